/**
 * The steps of an erasure that move the account to its pseudonym (3 to 8 in
 * `erase.ts`, which takes the account, commits the forfeit, runs these and
 * drops the account's keys): each idempotent, each safe to run again after
 * a crash.
 */
import {
  CoinageError,
  type Entry,
  erasedEntry,
  erasedRecord,
  type RequestRecord,
} from "@coinage/core";
import type { Arg } from "./client.js";
import type { Context } from "./context.js";
import {
  type AccountKeys,
  decodeId,
  EXPIRY_STRIPES,
  type ExpiryKeys,
  encodeId,
  orderedMember,
  type ProgramKeys,
} from "./keys.js";
import { parseScore } from "./lot-index.js";
import { readEarliestExpiry } from "./scripts/account.js";
import * as lua from "./scripts/erase.js";
import { readEntriesAfter } from "./scripts/feed.js";
import { dropExpiry } from "./scripts/program.js";
import { groupCalls } from "./slots.js";

const OP = "erase";
/** Keys (fields, members) one copy call reads. */
const COPY_CHUNK = 500;
/** Stream entries one scan call reads. */
const SCAN_CHUNK = 1_000;
/** Entries one publication or replacement call carries. */
const ENTRY_CHUNK = 200;
/** How long a stripe remembers that an erasure cleared its user. */
const CLEARED_TTL_MS = 86_400_000;

export function storeFailure(message: string): CoinageError {
  return new CoinageError("STORE_UNAVAILABLE", { operation: OP }, { message });
}

/** An erasure as its record holds it. */
export interface Erasure {
  readonly pseudonym: string;
  readonly programId: string;
  readonly userId: string;
  /** The account's last entry seq after the forfeit. */
  readonly seq: number;
  /** The account version after the forfeit. */
  readonly version: number;
  /** Whether steps 3 to 7 are done. */
  readonly moved: boolean;
}

/** Step 3: the account's entries through the forfeit published, under the user (for now). */
export async function publishAll(ctx: Context, keys: ProgramKeys, erasure: Erasure): Promise<void> {
  const { userId, pseudonym } = erasure;
  const account = keys.account(userId);
  const feed = keys.feedOf(userId);
  const publishKeys = [
    feed.stream,
    feed.published,
    feed.pending,
    feed.totals,
    feed.balances,
    feed.pendingLots,
    feed.erasedUser(pseudonym),
  ];
  const block = (entries: readonly Arg[], pendingAt: string): Arg[] => [
    orderedMember(userId),
    encodeId(userId),
    "",
    "",
    pendingAt,
    entries.length / 2,
    ...entries,
  ];
  let replies = (await ctx.scripts.run(OP, lua.publishUnlessErased, publishKeys, block([], ""))) as
    | number[]
    | [];
  for (let round = 0; round <= erasure.seq / ENTRY_CHUNK + 8; round += 1) {
    // Cleared from the stripe already: published long ago.
    if (replies.length === 0) return;
    const pointer = Number(replies[0]);
    if (pointer >= erasure.seq) return;
    const [rows, top] = (await ctx.scripts.run(
      OP,
      readEntriesAfter,
      [account.entries, account.avail],
      [String(pointer), ENTRY_CHUNK],
    )) as [string[], string];
    if (rows.length === 0) return;
    const entries: Arg[] = [];
    for (let i = 0; i + 1 < rows.length; i += 2)
      entries.push(rows[i + 1] as string, rows[i] as string);
    const latest = parseScore(top);
    replies = (await ctx.scripts.run(
      OP,
      lua.publishUnlessErased,
      publishKeys,
      block(entries, latest === null ? "" : String(latest)),
    )) as number[] | [];
  }
  throw storeFailure("the erased account's entries could not all be published");
}

/**
 * Reads one key of the erased account in chunks, handing each to `each`;
 * `false` when the erasure is over (another call finished it).
 */
async function readChunks(
  ctx: Context,
  account: AccountKeys,
  pseudonym: string,
  key: string,
  kind: "head" | "hash" | "zset",
  each: (pairs: string[]) => Promise<void>,
): Promise<boolean> {
  let cursor = "0";
  do {
    const reply = (await ctx.scripts.run(
      OP,
      lua.readErasedChunk,
      [account.erasure, key],
      [pseudonym, kind, cursor, COPY_CHUNK],
    )) as string[];
    if (reply[0] === "gone") return false;
    cursor = reply[0] as string;
    const pairs = reply.slice(1);
    if (pairs.length > 0) await each(pairs);
  } while (cursor !== "0");
  return true;
}

/** A sorted set's scores as ZADD takes them back. */
function scoreArg(score: string): string {
  if (score === "inf") return "+inf";
  return score;
}

/**
 * Step 4: the account copied to the pseudonym, its head last. Answers the
 * request ids it holds, or `null` when the erasure is over.
 */
export async function copyAccount(
  ctx: Context,
  keys: ProgramKeys,
  erasure: Erasure,
): Promise<string[] | null> {
  const from = keys.account(erasure.userId);
  const to = keys.account(erasure.pseudonym);
  const write = (key: string, kind: "hash" | "zset" | "entries", pairs: readonly string[]) =>
    ctx.scripts.run(OP, lua.writeChunk, [key], [kind, ...pairs]);
  const read = (
    key: string,
    kind: "head" | "hash" | "zset",
    each: (pairs: string[]) => Promise<void>,
  ) => readChunks(ctx, from, erasure.pseudonym, key, kind, each);
  const requestIds: string[] = [];
  const steps: (() => Promise<boolean>)[] = [
    () => read(from.lots, "hash", (pairs) => write(to.lots, "hash", pairs).then(() => undefined)),
    () =>
      read(from.fifo, "zset", (pairs) =>
        write(
          to.fifo,
          "zset",
          pairs.map((v, i) => (i % 2 === 1 ? scoreArg(v) : v)),
        ).then(() => undefined),
      ),
    () => read(from.avail, "zset", (pairs) => write(to.avail, "zset", pairs).then(() => undefined)),
    () => read(from.usage, "hash", (pairs) => write(to.usage, "hash", pairs).then(() => undefined)),
    () =>
      read(from.requests, "hash", async (pairs) => {
        const out: string[] = [];
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const record = JSON.parse(pairs[i + 1] as string) as RequestRecord;
          requestIds.push(decodeId(pairs[i] as string));
          out.push(pairs[i] as string, JSON.stringify(erasedRecord(record, erasure.pseudonym)));
        }
        await write(to.requests, "hash", out);
      }),
    () =>
      read(from.entries, "zset", async (pairs) => {
        const out: string[] = [];
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const entry = JSON.parse(pairs[i] as string) as Entry;
          out.push(pairs[i + 1] as string, JSON.stringify(erasedEntry(entry)));
        }
        await write(to.entries, "entries", out);
      }),
    () => read(from.head, "head", (pairs) => write(to.head, "hash", pairs).then(() => undefined)),
  ];
  for (const step of steps) if (!(await step())) return null;
  return [...new Set(requestIds)];
}

/** Step 5: every claim of the account's request ids names the pseudonym. */
export async function repointClaims(
  ctx: Context,
  keys: ProgramKeys,
  erasure: Erasure,
  requestIds: readonly string[],
): Promise<void> {
  const claims = requestIds.flatMap((id) => {
    const claim = keys.claim(id);
    return [claim.claim, claim.legacy];
  });
  const user = encodeId(erasure.userId);
  const pseudonym = encodeId(erasure.pseudonym);
  for (const call of groupCalls(claims, !ctx.crossSlot, (key) => key)) {
    await ctx.scripts.run(OP, lua.repointClaims, call, [user, pseudonym]);
  }
}

/** Fixed-width stream id: the erased set's order is the stream's. */
function paddedId(id: string): string {
  const [ms = "0", seq = "0"] = id.split("-");
  return `${ms.padStart(20, "0")}-${seq.padStart(20, "0")}`;
}

/** An entry as the stripe's erased set holds it (see `readStripe` in `scripts/feed.ts`). */
export function erasedMember(id: string, pseudonym: string, json: string): string {
  return `${paddedId(id)}|${id}|${encodeId(pseudonym)}|${json}`;
}

/** Step 6: the user's entries in its stripe's stream, up to the bound, erased in place. */
export async function rewriteFeed(
  ctx: Context,
  keys: ProgramKeys,
  erasure: Erasure,
  bound: string,
): Promise<void> {
  const feed = keys.feedOf(erasure.userId);
  const user = encodeId(erasure.userId);
  let start = "-";
  for (;;) {
    const reply = (await ctx.scripts.run(
      OP,
      lua.scanStream,
      [feed.stream],
      [start, bound, SCAN_CHUNK, user],
    )) as [string, number, ...string[]];
    const [last, count] = reply;
    const found = reply.slice(2) as string[];
    const pairs: string[] = [];
    for (let i = 0; i + 1 < found.length; i += 2) {
      const id = found[i] as string;
      const entry = JSON.parse(found[i + 1] as string) as Entry;
      pairs.push(id, erasedMember(id, erasure.pseudonym, JSON.stringify(erasedEntry(entry))));
    }
    for (let i = 0; i < pairs.length; i += 2 * ENTRY_CHUNK) {
      await ctx.scripts.run(
        OP,
        lua.replaceEntries,
        [feed.stream, feed.erased],
        pairs.slice(i, i + 2 * ENTRY_CHUNK),
      );
    }
    if (Number(count) < SCAN_CHUNK || last === "" || last === bound) return;
    start = `(${last}`;
  }
}

/** Step 7: the pseudonym's place in its own stripe, from the user's. */
export async function moveStripeState(
  ctx: Context,
  keys: ProgramKeys,
  erasure: Erasure,
): Promise<void> {
  const { userId, pseudonym } = erasure;
  const feed = keys.feedOf(userId);
  const [state, pointer, balance, pending] = (await ctx.scripts.run(
    OP,
    lua.readStripeUser,
    [feed.published, feed.balances, feed.pendingLots, feed.erasedUser(pseudonym)],
    [orderedMember(userId)],
  )) as [string, string?, string?, string?];
  if (state !== "state") return;
  const to = keys.account(pseudonym);
  const [version, earliestScore] = (await ctx.scripts.run(OP, readEarliestExpiry, [
    to.head,
    to.fifo,
  ])) as [string, string];
  const earliest = parseScore(earliestScore);
  const target = keys.feedOf(pseudonym);
  const expiry = keys.expiryOf(pseudonym);
  await ctx.scripts.run(
    OP,
    lua.writeStripeUser,
    [target.published, target.balances, target.pendingLots, expiry.index, expiry.versions],
    [
      orderedMember(pseudonym),
      pointer ?? "",
      balance ?? "",
      pending ?? "",
      version,
      earliest === null ? "" : String(earliest),
    ],
  );
}

/** Step 8: the user cleared from its stripe (and from the expiry index of version 0.1). */
export async function clearStripe(
  ctx: Context,
  keys: ProgramKeys,
  erasure: Erasure,
): Promise<void> {
  const { userId, pseudonym } = erasure;
  const member = orderedMember(userId);
  const legacy = keys.expiryStripes[EXPIRY_STRIPES] as ExpiryKeys;
  await ctx.scripts.run(OP, dropExpiry, [legacy.index, legacy.versions], [member]);
  const feed = keys.feedOf(userId);
  const expiry = keys.expiryOf(userId);
  await ctx.scripts.run(
    OP,
    lua.clearStripeUser,
    [
      feed.published,
      feed.balances,
      feed.pendingLots,
      expiry.index,
      expiry.versions,
      feed.pending,
      feed.erasedUser(pseudonym),
    ],
    [member, CLEARED_TTL_MS],
  );
}
