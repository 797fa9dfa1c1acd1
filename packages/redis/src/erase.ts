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
import { type AccountCommand, invalidInput } from "@coinage/core";
import { readAccount } from "./account.js";
import type { Arg } from "./client.js";
import { type Context, contention, LEASE_MS, sleep } from "./context.js";
import {
  clearStripe,
  copyAccount,
  type Erasure,
  moveStripeState,
  publishAll,
  repointClaims,
  rewriteFeed,
  storeFailure,
} from "./erase-steps.js";
import { type AccountKeys, encodeId, type ProgramKeys } from "./keys.js";
import { availMember, fifoMember, fifoScore, isOpen } from "./lot-index.js";
import { dropLease } from "./scripts/account.js";
import * as lua from "./scripts/erase.js";

const OP = "erase";
/** Attempts of the forfeit when the account moved under it (the lease lost). */
const ATTEMPTS = 16;

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
