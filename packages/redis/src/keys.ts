/**
 * Key layout. Every key one script touches shares one hash tag, so scripts
 * run on Redis Cluster without CROSSSLOT errors. Four kinds of tag:
 *
 * - account, `{<p>:<u>}`: the account head (with its totals), lots, the two
 *   indexes of its open lots, history entries, usage counters, request
 *   records and the account lease (and an erasure in progress, see
 *   `erase.ts`). Everything a command reads and writes.
 * - request id, `{<p>/<r>}`: the claim that binds a request id to one user of
 *   the program. One tag per request id, so claims spread over every slot.
 * - expiry stripe, `{<p>#<k>}` (k = 0..15): one stripe of the program's
 *   expiry index, and the sweep's walk sets over it; also one stripe of the
 *   change feed (see `feed.ts`). A user's stripe is a hash of its id.
 * - program, `{<p>}`: events and event budgets (the one program-wide counter
 *   a command may touch), and the index keys of version 0.1 that are still
 *   read (see `legacy`).
 *
 * `<p>`, `<u>` and `<r>` are {@link encodeId}d, so none holds `{`, `}`, `:`,
 * `/` or `#`: a tag cannot end early, and no two (kind, program, id) triples
 * share a tag.
 *
 * Ids used as hash fields or values (request ids, usage keys, claim owners)
 * are encoded the same way: Redis stores bytes, and a JavaScript string with
 * a lone surrogate has no exact UTF-8 form. Everything else is JSON.
 */

/** The characters kept as they are: `A-Z a-z 0-9 _ -`; every other UTF-16 code unit is escaped. */
const PLAIN = /^[A-Za-z0-9_-]*$/;
const ESCAPED = /[^A-Za-z0-9_-]/g;

function escapeUnit(unit: string): string {
  return `%${unit.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * An id as it appears inside a key: plain characters as they are, every other
 * UTF-16 code unit as `%` and four hex digits (so lone surrogates encode too),
 * and the empty id as `~`. Injective, and free of `{`, `}`, `:`, `/`, `#` and
 * spaces.
 */
export function encodeId(id: string): string {
  if (id.length === 0) return "~";
  if (PLAIN.test(id)) return id;
  let encoded = escapedIds.get(id);
  if (encoded === undefined) {
    encoded = id.replace(ESCAPED, escapeUnit);
    if (escapedIds.size >= 4096) escapedIds.clear();
    escapedIds.set(id, encoded);
  }
  return encoded;
}

/**
 * Ids that needed escaping, as encoded: usage keys (`<event>:<period>:…`)
 * come back on every allocation of an event, in its reads and its commit.
 */
const escapedIds = new Map<string, string>();

/** The inverse of {@link encodeId}. */
export function decodeId(encoded: string): string {
  if (encoded === "~") return "";
  return encoded.replace(/%([0-9a-f]{4})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * An id as a sorted-set member whose byte order is the order of JavaScript
 * string comparison: four lowercase hex digits per UTF-16 code unit.
 */
export function orderedMember(id: string): string {
  let out = "";
  for (let i = 0; i < id.length; i += 1) out += id.charCodeAt(i).toString(16).padStart(4, "0");
  return out;
}

export function fromOrderedMember(member: string): string {
  let out = "";
  for (let i = 0; i < member.length; i += 4)
    out += String.fromCharCode(Number.parseInt(member.slice(i, i + 4), 16));
  return out;
}

/** How many stripes a program's expiry index has. Part of the layout: never change it. */
export const EXPIRY_STRIPES = 16;

/** The expiry stripe of a user: FNV-1a over the id's UTF-16 code units. Part of the layout. */
export function expiryStripe(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i += 1) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % EXPIRY_STRIPES;
}

export interface AccountKeys {
  /** Hash: version, debt, nextLotId, nextEntrySeq and the totals (open, pending, asOf, nextChangeAt). */
  readonly head: string;
  /** Hash: lot id → lot JSON, every lot ever created (closed ones too). */
  readonly lots: string;
  /** Sorted set of the open lots in spending order: score expiresAt (+inf: never), member by earnedAt then id. */
  readonly fifo: string;
  /** Sorted set of the open lots by availableAt (same members as `fifo`). */
  readonly avail: string;
  /** Sorted set: score seq → entry JSON. */
  readonly entries: string;
  /** Hash: encoded usage key → counter. */
  readonly usage: string;
  /** Hash: encoded request id → request record JSON. */
  readonly requests: string;
  /** String: the token of the caller holding the account's lease. */
  readonly lease: string;
  /** Set of open lot ids, as version 0.1 kept them; dropped when the account migrates. */
  readonly legacyOpen: string;
  /** Hash: an erasure in progress (pseudonym, step reached; see `erase.ts`); absent otherwise. */
  readonly erasure: string;
}

export interface ClaimKeys {
  /** String: the (encoded) user id that owns the request id in its program. */
  readonly claim: string;
  /** String: how many calls took the claim and did not give it back (expires). */
  readonly holders: string;
  /** String: the same claim as version 0.1 kept it, in the program slot (read, never written). */
  readonly legacy: string;
}

export interface ExpiryKeys {
  /** Sorted set: ordered member of a user → earliest expiry among the account's open lots. */
  readonly index: string;
  /** Hash: ordered member of a user → account version the index entry was written for. */
  readonly versions: string;
  /** Sorted set (all scores 0): the users due at `before`, walked by the sweep. */
  sweep(before: number): string;
  /** String: set while the walk set for `before` was built and found nothing. */
  sweepEmpty(before: number): string;
  sweepBuild(before: number, token: string): string;
}

/** One stripe of the program's change feed (see `feed.ts`), in the expiry stripe's slot. */
export interface FeedKeys {
  /** Which stripe (0..15). */
  readonly stripe: number;
  /** Stream: the stripe's published entries, fields `u` (encoded user id) and `e` (entry JSON). */
  readonly stream: string;
  /**
   * Hash: ordered member of a user → highest seq of the user published to
   * `stream`; and `~` → the time part of the stream's last id.
   */
  readonly published: string;
  /** Sorted set: `<ordered member>.<token>` of a command that may commit entries → when marked (ms). */
  readonly pending: string;
  /**
   * Hash: the stripe's liability totals (see `liability.ts`): each tally
   * field → exact decimal string; `~at` → the latest commit instant published.
   */
  readonly totals: string;
  /** Hash: ordered member of a user → its open coins and debt after its last published entry (`<open> <debt>`). */
  readonly balances: string;
  /** Sorted set: ordered member of a user → the latest availableAt among its pending lots (raised only). */
  readonly pendingLots: string;
  /**
   * Sorted set (all scores 0): erased users' entries taken out of `stream`,
   * as erased and under their pseudonym, each at its stream id (see `erase.ts`).
   */
  readonly erased: string;
  /** String: set once the erasure to `pseudonym` cleared its user from this stripe (expires). */
  erasedUser(pseudonym: string): string;
}

export interface ProgramKeys {
  /** Hash: ordered member of an event id → event JSON. */
  readonly events: string;
  /** Hash: ordered member of an event id → stored version. */
  readonly eventVersions: string;
  /** Sorted set (all scores 0): ordered member of every event id. */
  readonly eventIds: string;
  /** String: what an event has handed out in total (decimal string). */
  budget(eventId: string): string;
  account(userId: string): AccountKeys;
  claim(requestId: string): ClaimKeys;
  /** The expiry stripe holding `userId`. */
  expiryOf(userId: string): ExpiryKeys;
  /** Every expiry stripe, then the program-slot index of version 0.1 (last). */
  readonly expiryStripes: readonly ExpiryKeys[];
  /** The feed stripe holding `userId` (the slot of its expiry stripe). */
  feedOf(userId: string): FeedKeys;
  /** Every feed stripe, by stripe number. */
  readonly feedStripes: readonly FeedKeys[];
}

/** A key prefix must not hold braces: they would change the hash tag. */
export function isValidPrefix(prefix: string): boolean {
  return prefix.length > 0 && !prefix.includes("{") && !prefix.includes("}");
}

function expiryKeys(base: string): ExpiryKeys {
  return {
    index: `${base}:expiry`,
    versions: `${base}:expiry-versions`,
    sweep: (before) => `${base}:sweep:${before}`,
    sweepEmpty: (before) => `${base}:sweep-empty:${before}`,
    sweepBuild: (before, token) => `${base}:sweep-build:${before}:${token}`,
  };
}

export function programKeys(prefix: string, programId: string): ProgramKeys {
  const program = encodeId(programId);
  const base = `${prefix}:{${program}}`;
  const stripes = Array.from({ length: EXPIRY_STRIPES }, (_, k) =>
    expiryKeys(`${prefix}:{${program}#${k}}`),
  );
  const feeds: FeedKeys[] = Array.from({ length: EXPIRY_STRIPES }, (_, k) => {
    const tag = `${prefix}:{${program}#${k}}`;
    return {
      stripe: k,
      stream: `${tag}:feed`,
      published: `${tag}:feed-seq`,
      pending: `${tag}:feed-pending`,
      totals: `${tag}:liability`,
      balances: `${tag}:liability-balances`,
      pendingLots: `${tag}:liability-pending`,
      erased: `${tag}:feed-erased`,
      erasedUser: (pseudonym) => `${tag}:erased:${encodeId(pseudonym)}`,
    };
  });
  // Version 0.1 kept the whole expiry index in the program slot, with the same key names.
  const legacyExpiry = expiryKeys(base);
  return {
    events: `${base}:events`,
    eventVersions: `${base}:event-versions`,
    eventIds: `${base}:event-ids`,
    budget: (eventId) => `${base}:budget:${encodeId(eventId)}`,
    account: (userId) => accountKeys(`${prefix}:{${program}:${encodeId(userId)}}`),
    claim: (requestId) => {
      const id = encodeId(requestId);
      const tag = `${prefix}:{${program}/${id}}`;
      return { claim: `${tag}:claim`, holders: `${tag}:holders`, legacy: `${base}:req:${id}` };
    },
    expiryOf: (userId) => stripes[expiryStripe(userId)] as ExpiryKeys,
    expiryStripes: [...stripes, legacyExpiry],
    feedOf: (userId) => feeds[expiryStripe(userId)] as FeedKeys,
    feedStripes: feeds,
  };
}

function accountKeys(tag: string): AccountKeys {
  return {
    head: `${tag}:head`,
    lots: `${tag}:lots`,
    fifo: `${tag}:fifo`,
    avail: `${tag}:avail`,
    entries: `${tag}:entries`,
    usage: `${tag}:usage`,
    requests: `${tag}:requests`,
    lease: `${tag}:lease`,
    legacyOpen: `${tag}:open`,
    erasure: `${tag}:erasure`,
  };
}
