/**
 * The expiry index: per program, 16 sorted sets (stripes, each in its own
 * slot; a user's stripe is a hash of its id) of the accounts scored by the
 * earliest expiry among their open lots, which the sweep walks in user-id
 * order. It is written around the account's commit, never in it:
 *
 * - before the commit, when the change creates an earlier expiry, the entry
 *   is only ever lowered (`ZADD LT`), so a crash after the commit leaves it
 *   early, never missing;
 * - after the commit, the exact value (which the commit script answers) is
 *   written with the account version it belongs to; an update for an older
 *   version is ignored, so updates that arrive out of order cannot restore a
 *   stale state.
 *
 * Version 0.1 kept one such set in the program slot; the sweep still walks
 * it, and moves each entry it meets to its stripe.
 */
import { randomUUID } from "node:crypto";
import { isZeroDecimalString, type Lot } from "@coinage/core";
import type { Context } from "./context.js";
import {
  EXPIRY_STRIPES,
  type ExpiryKeys,
  fromOrderedMember,
  orderedMember,
  type ProgramKeys,
} from "./keys.js";
import { parseScore } from "./lot-index.js";
import { readEarliestExpiry } from "./scripts/account.js";
import * as lua from "./scripts/program.js";

/** Members copied per script call when the sweep builds its walk set. */
const SWEEP_BATCH = 500;
/** How long a sweep's walk set lives. */
const SWEEP_TTL_MS = 3_600_000;

function earlier(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/**
 * The earliest expiry among the open lots of `lots`. On a snapshot it is
 * the account's: a snapshot holds every due lot and the next-expiry group.
 */
export function earliestExpiry(lots: readonly Lot[]): number | null {
  let earliest: number | null = null;
  for (const lot of lots) {
    if (lot.expiresAt !== null && !isZeroDecimalString(lot.remaining))
      earliest = earlier(earliest, lot.expiresAt);
  }
  return earliest;
}

/**
 * The earliest expiry among the open lots of `lots` once `changed` replaces
 * them. Exact whenever it is earlier than the snapshot's own: the lots a
 * snapshot leaves out all expire after its next-expiry group.
 */
export function earliestAfter(lots: readonly Lot[], changed: readonly Lot[]): number | null {
  let earliest = earliestExpiry(changed);
  if (changed.length === 0) return earliestExpiry(lots);
  const ids = new Set<number>();
  for (const lot of changed) ids.add(lot.id);
  for (const lot of lots) {
    if (!ids.has(lot.id) && lot.expiresAt !== null && !isZeroDecimalString(lot.remaining))
      earliest = earlier(earliest, lot.expiresAt);
  }
  return earliest;
}

/** Whether a change brings the account's earliest expiry forward (the index must be lowered first). */
export function lowers(before: number | null, after: number | null): after is number {
  return after !== null && (before === null || after < before);
}

/** One account's entry in the expiry index. */
export interface ExpiryEntry {
  readonly keys: ProgramKeys;
  readonly userId: string;
  /** For `indexExpiries`: the account version the entry is written for. */
  readonly version?: number;
  readonly expiry: number | null;
}

/**
 * Runs one script per stripe over the entries of that stripe; answers, per
 * entry in order, whether its stripe's call succeeded.
 */
async function perStripe(
  entries: readonly ExpiryEntry[],
  call: (stripe: ExpiryKeys, entries: readonly ExpiryEntry[]) => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>[]> {
  const stripes = new Map<string, { stripe: ExpiryKeys; at: number[] }>();
  entries.forEach((entry, at) => {
    const stripe = entry.keys.expiryOf(entry.userId);
    const group = stripes.get(stripe.index);
    if (group === undefined) stripes.set(stripe.index, { stripe, at: [at] });
    else group.at.push(at);
  });
  const results: PromiseSettledResult<unknown>[] = new Array(entries.length);
  await Promise.all(
    [...stripes.values()].map(async ({ stripe, at }) => {
      let result: PromiseSettledResult<unknown>;
      try {
        result = {
          status: "fulfilled",
          value: await call(
            stripe,
            at.map((i) => entries[i] as ExpiryEntry),
          ),
        };
      } catch (reason) {
        result = { status: "rejected", reason };
      }
      for (const i of at) results[i] = result;
    }),
  );
  return results;
}

/** Lowers the entries (never raises one): one call per stripe. */
export function lowerExpiries(
  ctx: Context,
  entries: readonly ExpiryEntry[],
  operation: string,
): Promise<PromiseSettledResult<unknown>[]> {
  return perStripe(entries, (stripe, list) => {
    const args: string[] = [];
    for (const entry of list) args.push(orderedMember(entry.userId), String(entry.expiry));
    return ctx.scripts.run(operation, lua.lowerExpiry, [stripe.index], args);
  });
}

/** Writes the entries, each unless a later account version was indexed: one call per stripe. */
export function indexExpiries(
  ctx: Context,
  entries: readonly ExpiryEntry[],
  operation: string,
): Promise<PromiseSettledResult<unknown>[]> {
  return perStripe(entries, (stripe, list) => {
    const args: string[] = [];
    for (const entry of list)
      args.push(
        orderedMember(entry.userId),
        String(entry.version ?? 0),
        entry.expiry === null ? "" : String(entry.expiry),
      );
    return ctx.scripts.run(operation, lua.setExpiry, [stripe.index, stripe.versions], args);
  });
}

/** One entry lowered. */
export function lowerExpiry(
  ctx: Context,
  keys: ProgramKeys,
  userId: string,
  expiry: number,
  operation: string,
): Promise<unknown> {
  return ctx.scripts.run(
    operation,
    lua.lowerExpiry,
    [keys.expiryOf(userId).index],
    [orderedMember(userId), String(expiry)],
  );
}

/** One entry written for an account version. */
export async function indexExpiry(
  ctx: Context,
  stripe: ExpiryKeys,
  userId: string,
  version: number,
  earliest: number | null,
  operation: string,
): Promise<void> {
  await ctx.scripts.run(
    operation,
    lua.setExpiry,
    [stripe.index, stripe.versions],
    [orderedMember(userId), String(version), earliest === null ? "" : String(earliest)],
  );
}

const OP = "findExpiring";

/**
 * Users holding an open lot with `expiresAt <= before`, in user-id order.
 * The first page snapshots, in every stripe, the entries due at `before`
 * into a walk set ordered by user id (`ZRANGEBYSCORE … LIMIT`, 500 per call,
 * never `KEYS`); pages merge the stripes' walk sets. Each candidate is
 * checked against its account before it is returned; a stale entry is
 * skipped and repaired. Walk sets are dropped when the walk ends (or after
 * an hour): accounts that become due while a sweep runs are found by the
 * next sweep.
 */
export async function findExpiring(
  ctx: Context,
  keys: ProgramKeys,
  before: number,
  page: { readonly limit: number; readonly after?: string },
): Promise<string[]> {
  if (page.limit <= 0) return [];
  const stripes = keys.expiryStripes;
  let built = false;
  if (page.after === undefined) {
    await Promise.all(stripes.map((stripe) => buildDue(ctx, stripe, before)));
    built = true;
  }
  const found: string[] = [];
  let start = page.after === undefined ? "-" : `(${orderedMember(page.after)}`;
  while (found.length < page.limit) {
    const walked = await Promise.all(
      stripes.map(
        (stripe) =>
          ctx.scripts.run(
            OP,
            lua.walkDue,
            [stripe.sweep(before), stripe.sweepEmpty(before)],
            [start, page.limit],
          ) as Promise<string[] | null>,
      ),
    );
    const missing = stripes.filter((_, i) => walked[i] === null);
    if (missing.length > 0 && !built) {
      await Promise.all(missing.map((stripe) => buildDue(ctx, stripe, before)));
      built = true;
      continue;
    }
    // Merge: every member once, with the stripes it came from.
    const from = new Map<string, number[]>();
    walked.forEach((members, stripe) => {
      for (const member of members ?? []) {
        const list = from.get(member);
        if (list === undefined) from.set(member, [stripe]);
        else list.push(stripe);
      }
    });
    const members = [...from.keys()].sort().slice(0, page.limit);
    const checked = await Promise.all(
      members.map((member) => isDue(ctx, keys, member, from.get(member) ?? [], before)),
    );
    members.forEach((member, i) => {
      if (checked[i] && found.length < page.limit) found.push(fromOrderedMember(member));
    });
    const ended =
      walked.every((list) => (list ?? []).length < page.limit) && from.size <= page.limit;
    if (ended) {
      // The end of the walk: drop its sets (a sweep still running with the
      // same cutoff rebuilds them when it asks for its next page).
      await Promise.all(
        stripes.map((stripe) =>
          ctx.scripts.run(OP, lua.dropWalk, [stripe.sweep(before), stripe.sweepEmpty(before)]),
        ),
      );
      break;
    }
    start = `(${members[members.length - 1]}`;
  }
  return found;
}

/** Snapshots one stripe's members due at `before` into a walk set ordered by user id, in small batches. */
async function buildDue(ctx: Context, stripe: ExpiryKeys, before: number): Promise<void> {
  const build = stripe.sweepBuild(before, randomUUID());
  for (let offset = 0; ; offset += SWEEP_BATCH) {
    const copied = await ctx.scripts.run(
      OP,
      lua.copyDue,
      [stripe.index, build],
      [String(before), offset, SWEEP_BATCH, SWEEP_TTL_MS],
    );
    if (Number(copied) < SWEEP_BATCH) break;
  }
  await ctx.scripts.run(
    OP,
    lua.publishDue,
    [build, stripe.sweep(before), stripe.sweepEmpty(before)],
    [SWEEP_TTL_MS],
  );
}

/**
 * Whether the account still holds an open lot expiring by `before`, by its
 * own state. Repairs a stale entry; moves an entry of version 0.1's index
 * to the account's stripe.
 */
async function isDue(
  ctx: Context,
  keys: ProgramKeys,
  member: string,
  stripes: readonly number[],
  before: number,
): Promise<boolean> {
  const userId = fromOrderedMember(member);
  const account = keys.account(userId);
  const [version, earliestScore] = (await ctx.scripts.run(OP, readEarliestExpiry, [
    account.head,
    account.fifo,
  ])) as [string, string];
  const earliest = parseScore(earliestScore);
  const due = earliest !== null && earliest <= before;
  const stripe = keys.expiryOf(userId);
  if (stripes.includes(EXPIRY_STRIPES)) {
    // Written to its stripe first, so the entry is never missing.
    const old = keys.expiryStripes[EXPIRY_STRIPES] as ExpiryKeys;
    await indexExpiry(ctx, stripe, userId, Number(version), earliest, OP)
      .then(() => ctx.scripts.run(OP, lua.dropExpiry, [old.index, old.versions], [member]))
      .catch(() => undefined);
  } else if (!due) {
    await indexExpiry(ctx, stripe, userId, Number(version), earliest, OP).catch(() => undefined);
  }
  return due;
}
