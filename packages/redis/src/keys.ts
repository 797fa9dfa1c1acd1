/**
 * Key layout. Every key one script touches shares one hash tag, so scripts
 * run on Redis Cluster without CROSSSLOT errors:
 *
 * - program slot, tag `{<p>}`: events, request-id claims, event budgets, the
 *   expiry index and the sweep's walk sets;
 * - account slot, tag `{<p>:<u>}`: the account head, lots, open-lot set,
 *   history entries, usage counters, request records and the account lease.
 *
 * `<p>` and `<u>` are {@link encodeId}d, so neither ever holds `{`, `}` or
 * `:`: a tag cannot end early, and `{x:a:b}` cannot be written by two
 * different (program, user) pairs.
 *
 * Ids used as hash fields or values (request ids, usage keys, claim owners)
 * are encoded the same way: Redis stores bytes, and a JavaScript string with
 * a lone surrogate has no exact UTF-8 form. Everything else is JSON.
 */

/** True for the characters kept as they are: `A-Z a-z 0-9 _ -`. */
function isPlain(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 45 || // -
    code === 95 // _
  );
}

/**
 * An id as it appears inside a key: plain characters as they are, every other
 * UTF-16 code unit as `%` and four hex digits (so lone surrogates encode too),
 * and the empty id as `~`. Injective, and free of `{`, `}`, `:` and spaces.
 */
export function encodeId(id: string): string {
  if (id.length === 0) return "~";
  let out = "";
  for (let i = 0; i < id.length; i += 1) {
    const code = id.charCodeAt(i);
    out += isPlain(code) ? id[i] : `%${code.toString(16).padStart(4, "0")}`;
  }
  return out;
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

export interface AccountKeys {
  /** Hash: version, debt, nextLotId, nextEntrySeq, minExpiry. */
  readonly head: string;
  /** Hash: lot id → lot JSON, every lot ever created (closed ones too). */
  readonly lots: string;
  /** Set: ids of the open lots. */
  readonly open: string;
  /** Sorted set: score seq → entry JSON. */
  readonly entries: string;
  /** Hash: encoded usage key → counter. */
  readonly usage: string;
  /** Hash: encoded request id → request record JSON. */
  readonly requests: string;
  /** String: the token of the caller holding the account's lease. */
  readonly lease: string;
}

export interface ProgramKeys {
  /** Hash: event id → event JSON. */
  readonly events: string;
  /** Hash: event id → stored version. */
  readonly eventVersions: string;
  /** Sorted set (all scores 0): ordered member of every event id. */
  readonly eventIds: string;
  /** Sorted set: ordered member of a user → earliest expiry among the account's open lots. */
  readonly expiry: string;
  /** Hash: ordered member of a user → account version the expiry index entry was written for. */
  readonly expiryVersions: string;
  /** String: the (encoded) user id that owns a request id in this program. */
  claim(requestId: string): string;
  /** String: how many calls took a request id's claim and did not give it back (expires). */
  claimHolders(requestId: string): string;
  /** String: what an event has handed out in total (decimal string). */
  budget(eventId: string): string;
  /** Sorted set (all scores 0): the users due at `before`, walked by the sweep. */
  sweep(before: number): string;
  sweepBuild(before: number, token: string): string;
  account(userId: string): AccountKeys;
}

/** A key prefix must not hold braces: they would change the hash tag. */
export function isValidPrefix(prefix: string): boolean {
  return prefix.length > 0 && !prefix.includes("{") && !prefix.includes("}");
}

export function programKeys(prefix: string, programId: string): ProgramKeys {
  const program = encodeId(programId);
  const base = `${prefix}:{${program}}`;
  return {
    events: `${base}:events`,
    eventVersions: `${base}:event-versions`,
    eventIds: `${base}:event-ids`,
    expiry: `${base}:expiry`,
    expiryVersions: `${base}:expiry-versions`,
    claim: (requestId) => `${base}:req:${encodeId(requestId)}`,
    claimHolders: (requestId) => `${base}:req-holders:${encodeId(requestId)}`,
    budget: (eventId) => `${base}:budget:${encodeId(eventId)}`,
    sweep: (before) => `${base}:sweep:${before}`,
    sweepBuild: (before, token) => `${base}:sweep-build:${before}:${token}`,
    account: (userId) => {
      const account = `${prefix}:{${program}:${encodeId(userId)}}`;
      return {
        head: `${account}:head`,
        lots: `${account}:lots`,
        open: `${account}:open`,
        entries: `${account}:entries`,
        usage: `${account}:usage`,
        requests: `${account}:requests`,
        lease: `${account}:lease`,
      };
    },
  };
}

/** The inverse of {@link encodeId}. */
export function decodeId(encoded: string): string {
  if (encoded === "~") return "";
  return encoded.replace(/%([0-9a-f]{4})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
