/**
 * `Store.erase`: the forfeit, then every stored trace of the account moved
 * to the pseudonym.
 *
 * The account's keys (`{<p>:<u>}`), the pseudonym's (`{<p>:<q>}`), the
 * user's feed and expiry stripe (`{<p>#<k>}`), the pseudonym's stripe and
 * every request id's claim live in different slots of a Cluster, so no one
 * script can do it all. The erasure rolls forward instead, every step safe
 * to run again:
 *
 * 1. Take the account's lease (an erasure of the account left unfinished is
 *    finished first), read the account, decide the forfeit.
 * 2. Begin (account slot, one script): at the version read, write the
 *    forfeit's change, record the erasure (`{<p>:<u>}:erasure`: pseudonym,
 *    program, user, last seq) and turn the lease into the erasure's, which
 *    never expires: from here no command commits on the account, and the
 *    record says where it is going.
 * 3. Publish the account's entries through the forfeit in its feed stripe
 *    (the liability totals count the forfeit as expired there, once), and
 *    note the stripe stream's last id as the erasure's bound: every entry of
 *    the account has an id at or below it.
 * 4. Copy the account to the pseudonym: head, lots, lot indexes and usage as
 *    they are, entries as `erasedEntry` makes them, request records as
 *    `erasedRecord` does (lots and usage keys hold no user id).
 * 5. Repoint every request id's claim (and claim of version 0.1) from the
 *    user to the pseudonym.
 * 6. The feed: read the stripe's stream up to the bound, 1 000 entries per
 *    call, and move each entry of the user (stream ids cannot be reused,
 *    entries cannot be edited) to the stripe's erased set, as erased and
 *    under the pseudonym, at its stream id: a page read merges that set in
 *    (see `scripts/feed.ts`), so the entry keeps its feed position.
 * 7. Give the pseudonym the user's published pointer, liability balance and
 *    pending lots score in its own stripe (so that a later command on the
 *    pseudonym publishes from where the account stopped), and its expiry
 *    index entry; then note the step in the record.
 * 8. Clear the user from its stripe: published pointer (a fresh account
 *    under the same user id publishes from seq 1), balance, pending lots
 *    score, expiry index entry, pending feed marks; the stripe keeps a key
 *    naming the pseudonym (`erasedUser`, 24 h) saying so, which stops a late
 *    run of steps 3 and 7 from writing the user back.
 * 9. Drop the account's keys, the record and the lease with them (account
 *    slot, one script): the user id is a fresh account.
 *
 * Interrupted after step 2, the erasure is finished, to the pseudonym
 * recorded at its start, by the next `erase` of the user id (which then
 * erases the fresh account, with its own pseudonym) or by the next command
 * on it that waits for the account's lease (see `lease.ts`). Steps 3 to 7
 * are done again on resuming until the record says step 7 is done; steps 8
 * and 9 run once each (their scripts check).
 *
 * What a reader sees meanwhile: from step 2 the account under the user id
 * after the forfeit (no coins, its debt, its history); commands on it wait.
 * From step 5 a request id's record is the erased one, under the pseudonym.
 * During step 6 the feed shows some of the user's entries under the
 * pseudonym and the others still under the user id, each at its position.
 * After step 9 nothing under the user id. The pseudonym's account is
 * complete from step 4 (its head is written last), before anyone knows the
 * pseudonym. Program totals are exact throughout: the forfeit is tallied
 * by its publication, and moving changes no total.
 *
 * Cost: the account's size (copied in chunks of 500 keys), one call per
 * request id's slot on a Cluster, and a read of the user's feed stripe
 * stream up to the erasure (its length / 1 000 calls): an erasure is rare,
 * and nothing is added to the path of a command. A page of the feed reads
 * the stripe's erased set alongside the stream (one more range read per
 * stripe, nothing when the program never erased anyone).
 */
import { randomUUID } from "node:crypto";
import {
  type AccountCommand,
  CoinageError,
  type Entry,
  erasedEntry,
  erasedRecord,
  invalidInput,
  type RequestRecord,
} from "@coinage/core";
import { readAccount } from "./account.js";
import type { Arg } from "./client.js";
import { type Context, contention, LEASE_MS, sleep } from "./context.js";
import {
  type AccountKeys,
  decodeId,
  EXPIRY_STRIPES,
  type ExpiryKeys,
  encodeId,
  orderedMember,
  type ProgramKeys,
} from "./keys.js";
import { availMember, fifoMember, fifoScore, isOpen, parseScore } from "./lot-index.js";
import { dropLease, readEarliestExpiry } from "./scripts/account.js";
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
/** Attempts of the forfeit when the account moved under it (the lease lost). */
const ATTEMPTS = 16;

/** An erasure as its record holds it. */
interface Erasure {
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

function storeFailure(message: string): CoinageError {
  return new CoinageError("STORE_UNAVAILABLE", { operation: OP }, { message });
}

/** `Store.erase`; see the header. */
export async function erase<T>(
  ctx: Context,
  command: AccountCommand<T>,
  pseudonym: string,
): Promise<T> {
  const { programId, userId } = command;
  if (typeof pseudonym !== "string" || pseudonym === "" || pseudonym === userId) {
    throw invalidInput({ path: "pseudonym", message: "expected a new id, not the user's" });
  }
  const keys = ctx.keys(programId);
  const account = keys.account(userId);
  const deadline = Date.now() + ctx.contentionTimeoutMs;
  let token = await takeAccount(ctx, account, deadline);
  let begun = false;
  try {
    for (let attempt = 1; ; attempt += 1) {
      const read = await readAccount(ctx, keys, userId, account, command.reads, null, null, "", OP);
      if (read.kind !== "state") throw new Error("unreachable: no request id was asked for");
      const { snapshot } = read;
      // May throw: nothing is written then.
      const { change, result } = command.decide(snapshot);
      // An account never written: nothing to forfeit, nothing to move.
      if (snapshot.version === 0) return result;
      const erasure: Erasure = {
        pseudonym,
        programId,
        userId,
        seq: change.nextEntrySeq - 1,
        version: snapshot.version + 1,
        moved: false,
      };
      const args: Arg[] = [token, String(snapshot.version), 5];
      args.push("pseudonym", pseudonym, "program", programId, "user", userId);
      args.push("seq", String(erasure.seq), "version", String(erasure.version));
      const totals = change.totals;
      args.push(
        String(erasure.version),
        change.debt,
        String(change.nextLotId),
        String(change.nextEntrySeq),
        totals.open,
        totals.pending,
        String(totals.asOf),
        totals.nextChangeAt === null ? "" : String(totals.nextChangeAt),
        change.lots.length,
      );
      for (const lot of change.lots) {
        args.push(
          String(lot.id),
          JSON.stringify(lot),
          fifoMember(lot),
          availMember(lot),
          isOpen(lot) ? fifoScore(lot) : "",
          String(lot.availableAt),
        );
      }
      args.push(change.entries.length);
      for (const entry of change.entries) args.push(String(entry.seq), JSON.stringify(entry));
      const usage = Object.entries(change.usage);
      args.push(usage.length);
      for (const [key, value] of usage) args.push(encodeId(key), value);
      args.push(change.requests.length);
      for (const record of change.requests)
        args.push(encodeId(record.requestId), JSON.stringify(record));
      const [answer] = (await ctx.scripts.run(
        OP,
        lua.beginErasure,
        [
          account.head,
          account.lots,
          account.fifo,
          account.avail,
          account.entries,
          account.usage,
          account.requests,
          account.lease,
          account.erasure,
        ],
        args,
      )) as [string];
      if (answer === "ok") {
        begun = true;
        await finish(ctx, keys, erasure);
        return result;
      }
      if (attempt >= ATTEMPTS) throw contention("the account", OP);
      // The lease ran out while deciding (and another writer came): take it again.
      if (answer === "leased" || answer === "erasing")
        token = await takeAccount(ctx, account, deadline);
      else if (answer !== "conflict") throw storeFailure(`unexpected erasure reply: ${answer}`);
    }
  } finally {
    if (!begun)
      await ctx.scripts.run(OP, dropLease, [account.lease], [token]).catch(() => undefined);
  }
}

/**
 * The account's lease, for the erasure; an erasure of the account already
 * begun is finished first.
 */
async function takeAccount(ctx: Context, account: AccountKeys, deadline: number): Promise<string> {
  const token = randomUUID();
  for (let round = 1; ; round += 1) {
    const taken = await ctx.scripts.run(
      OP,
      lua.takeLeaseOrHolder,
      [account.lease],
      [token, LEASE_MS],
    );
    if (taken === 1) return token;
    if (typeof taken === "string" && taken.startsWith(lua.ERASURE_LEASE)) {
      if (await resumeErasure(ctx, account, OP)) continue;
    }
    if (Date.now() >= deadline) throw contention("the account", OP);
    await sleep(1 + Math.random() * Math.min(2 ** round, 20));
  }
}

/**
 * Finishes the erasure of the account begun by a call that did not see it
 * through (see the header). Answers whether there was one.
 */
export async function resumeErasure(
  ctx: Context,
  account: AccountKeys,
  operation: string,
): Promise<boolean> {
  const fields = (await ctx.scripts.run(operation, lua.readErasure, [account.erasure])) as string[];
  const record = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2)
    record.set(fields[i] as string, fields[i + 1] as string);
  const pseudonym = record.get("pseudonym");
  const programId = record.get("program");
  const userId = record.get("user");
  if (pseudonym === undefined || programId === undefined || userId === undefined) return false;
  const keys = ctx.keys(programId);
  if (keys.account(userId).erasure !== account.erasure) return false;
  await finish(ctx, keys, {
    pseudonym,
    programId,
    userId,
    seq: Number(record.get("seq") ?? 0),
    version: Number(record.get("version") ?? 0),
    moved: record.get("phase") === "moved",
  });
  return true;
}

/** Steps 3 to 9 (see the header). */
async function finish(ctx: Context, keys: ProgramKeys, erasure: Erasure): Promise<void> {
  const { userId, pseudonym } = erasure;
  const account = keys.account(userId);
  if (!erasure.moved) {
    await publishAll(ctx, keys, erasure);
    const stream = keys.feedOf(userId).stream;
    const last = (await ctx.scripts.run(OP, lua.lastStreamId, [stream])) as string;
    const noted = (await ctx.scripts.run(
      OP,
      lua.noteErasure,
      [account.erasure],
      [pseudonym, "bound", last],
    )) as string[];
    if (noted[0] === "gone") return;
    const bound = noted[0] as string;
    const requestIds = await copyAccount(ctx, keys, erasure);
    if (requestIds === null) return;
    await repointClaims(ctx, keys, erasure, requestIds);
    await rewriteFeed(ctx, keys, erasure, bound);
    await moveStripeState(ctx, keys, erasure);
    const phase = (await ctx.scripts.run(
      OP,
      lua.noteErasure,
      [account.erasure],
      [pseudonym, "phase", "moved"],
    )) as string[];
    if (phase[0] === "gone") return;
  }
  await clearStripe(ctx, keys, erasure);
  await ctx.scripts.run(
    OP,
    lua.dropErased,
    [
      account.erasure,
      account.lease,
      account.head,
      account.lots,
      account.fifo,
      account.avail,
      account.entries,
      account.usage,
      account.requests,
      account.legacyOpen,
    ],
    [pseudonym],
  );
}

/** Step 3: the account's entries through the forfeit published, under the user (for now). */
async function publishAll(ctx: Context, keys: ProgramKeys, erasure: Erasure): Promise<void> {
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
async function copyAccount(
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
async function repointClaims(
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
async function rewriteFeed(
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
async function moveStripeState(ctx: Context, keys: ProgramKeys, erasure: Erasure): Promise<void> {
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
async function clearStripe(ctx: Context, keys: ProgramKeys, erasure: Erasure): Promise<void> {
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
