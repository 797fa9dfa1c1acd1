/**
 * `execute`: one command on one account.
 *
 * 1. Claim the request id and read the account (one call on a single
 *    server; two calls sent at once on a Cluster).
 * 2. Decide (core, in Node; Lua never does coin arithmetic).
 * 3. When the change spends an event budget, take the account's lease at
 *    the version read (see `lease.ts`), then reserve the budget (program
 *    slot); when it brings the account's earliest expiry forward, lower the
 *    expiry index entry: both at once, before the commit.
 * 4. Commit (account slot) with a check of the version read, the lease and
 *    the request record; on a version conflict the commit script answers
 *    the account as it is now, and the command decides again on it; after a
 *    few optimistic attempts it takes the account's lease.
 * 5. After the commit: the exact expiry index entry (when the earliest
 *    expiry changed) and the feed publication of its entries, at once. A
 *    reversal gives its budget back before its commit, holding its account,
 *    and takes it again if the commit does not happen.
 *
 * The command's pending feed mark (see `feed.ts`) is sent with its first
 * read, so it is written before any commit without a round trip of its own.
 */
import { randomUUID } from "node:crypto";
import {
  type AccountCommand,
  type AccountSnapshot,
  type ExecuteOutcome,
  subtractDecimalStrings,
} from "@coinage/core";
import { type AccountRead, readAccount } from "./account.js";
import {
  fitsBudget,
  giveBack,
  givesBackBudget,
  type Reservation,
  release,
  reserve,
  spendsBudget,
} from "./budgets.js";
import { foreignRecord, idempotencyConflict, unclaim } from "./claims.js";
import { commitAccounts } from "./commit.js";
import { type Context, contention, MAX_ATTEMPTS, OPTIMISTIC_ATTEMPTS, sleep } from "./context.js";
import { earliestAfter, earliestExpiry, indexExpiry, lowerExpiry, lowers } from "./expiry.js";
import { dropMarks, markPending, newMark, publishEntries, storedEntries } from "./feed.js";
import { encodeId } from "./keys.js";
import { dropLease, lockAccounts, takeLease } from "./lease.js";
import { latestPending } from "./liability.js";
import { budgetUsed, parseRead, type ReadResult, readArgs, withEventVersion } from "./reads.js";

const OP = "execute";

export async function execute<T>(
  ctx: Context,
  command: AccountCommand<T>,
): Promise<ExecuteOutcome<T>> {
  const keys = ctx.keys(command.programId);
  const account = keys.account(command.userId);
  const requestId = command.request?.requestId ?? null;
  const user = encodeId(command.userId);
  const claim = requestId === null ? null : { keys: keys.claim(requestId), user };
  const deadline = Date.now() + ctx.contentionTimeoutMs;
  let lease: string | null = null;
  // Whether this call holds its request id's claim, and whether a commit it
  // sent may have been applied (its reply was lost).
  let claimed = false;
  let unsure = false;
  // On a version conflict the commit script answers the account as it is now.
  const reread = readArgs(command.reads, requestId, "");
  let fresh: AccountRead | null = null;
  // The feed mark, written with the first read; dropped unless the command commits entries.
  const mark = newMark(keys, command.userId);
  let marked: Promise<PromiseSettledResult<unknown>[]> | null = null;
  let markedAt = 0;
  let markDone = false;
  try {
    for (let attempt = 1; ; attempt += 1) {
      if (lease === null && attempt > OPTIMISTIC_ATTEMPTS)
        lease = await takeLease(ctx, account, deadline, OP);

      if (marked === null) {
        markedAt = ctx.now();
        marked = markPending(ctx, [mark], OP);
      }
      const read: AccountRead =
        fresh ??
        (await readAccount(
          ctx,
          keys,
          command.userId,
          account,
          command.reads,
          requestId,
          attempt === 1 ? claim : null,
          "",
          OP,
        ));
      fresh = null;
      if (read.kind === "foreign") {
        const replayed = await foreignRecord(ctx, keys, requestId as string, read.owner, OP);
        if (replayed !== null) return replayed;
        throw idempotencyConflict(requestId as string);
      }
      if (claim !== null) claimed = true;
      if (read.kind === "replay") return { status: "replayed", record: read.record };
      const snapshot: AccountSnapshot = read.snapshot;
      // May throw: nothing has been written for this attempt yet.
      const { change, result } = command.decide(snapshot);
      const expiryBefore = earliestExpiry(snapshot.lots);
      const expiryAfter = earliestAfter(snapshot.lots, change.lots);

      // Program and stripe slots, at once: the budget reservation and, when
      // the change brings the earliest expiry forward, the lowered index
      // entry (an entry lowered for a commit that then does not happen is
      // only early, which the sweep tolerates; a missing one it could not).
      let reservation: Reservation | null = null;
      const budget = change.budget;
      const spending = budget !== undefined && spendsBudget(budget.add);
      const returning = budget !== undefined && givesBackBudget(budget.add);
      if (spending || returning) {
        // Hold the account at the version read before the budget moves (see lease.ts).
        const token: string = lease ?? randomUUID();
        const [locked] = await lockAccounts(
          ctx,
          [{ account, version: snapshot.version, token }],
          OP,
        );
        if (typeof locked === "object") throw locked.failed;
        if (locked !== "ok") {
          if (locked === "leased") lease = null;
          await pause(attempt, deadline);
          continue;
        }
        lease = token;
      }
      const reserving =
        budget !== undefined && spending
          ? (async () => {
              const used = snapshot.budgetUsed ?? (await budgetUsed(ctx, keys, budget.eventId, OP));
              return reserve(
                ctx,
                keys.budget(budget.eventId),
                used,
                budget.add,
                (current) => fitsBudget(current, budget.add, budget.limit),
                deadline,
                OP,
              );
            })()
          : null;
      const lowering = lowers(expiryBefore, expiryAfter)
        ? lowerExpiry(ctx, keys, command.userId, expiryAfter, OP)
        : null;
      if (reserving !== null || lowering !== null) {
        const [reserved, lowered] = await Promise.allSettled([reserving, lowering]);
        if (reserved.status === "rejected") throw reserved.reason;
        if (reserved.value !== null && "exhausted" in reserved.value) {
          // The budget moved since the snapshot: decide again with what is left.
          await pause(attempt, deadline);
          continue;
        }
        reservation = reserved.value;
        if (lowered.status === "rejected") {
          await release(ctx, reservation, OP);
          throw lowered.reason;
        }
      }

      // A reversal gives its budget back while it holds its account, before
      // its commit: a command of the event that sees the budget freed is then
      // ordered after the reversal (its own account, if it is this one, cannot
      // move before the commit). Should the commit not happen, the coins are
      // taken again: a budget may under-spend, never over-spend.
      let returned: string | null = null;
      if (budget !== undefined && returning) {
        await giveBack(ctx, keys.budget(budget.eventId), budget.add, OP, snapshot.budgetUsed);
        returned = budget.add;
      }
      const retake = async () => {
        if (budget === undefined || returned === null) return;
        await giveBack(ctx, keys.budget(budget.eventId), subtractDecimalStrings("0", returned), OP);
        returned = null;
      };

      // No commit without its feed mark (sent with the first read: long
      // answered). A command still running after half the grace period marks
      // itself again, lest `readFeed` take it for a crashed one.
      if (ctx.now() - markedAt > ctx.feedGraceMs / 2) {
        markedAt = ctx.now();
        marked = markPending(ctx, [mark], OP);
      }
      const [markedOk] = await (marked as Promise<PromiseSettledResult<unknown>[]>);
      if (markedOk?.status === "rejected") {
        await retake();
        await release(ctx, reservation, OP);
        throw markedOk.reason;
      }

      // A failure here leaves the outcome unknown: keep the reservation (at
      // worst the budget under-spends) and the claim, and let the caller retry.
      unsure = true;
      let outcome: Awaited<ReturnType<typeof commitAccounts>>[number] | undefined;
      try {
        [outcome] = await commitAccounts(ctx, OP, [
          {
            account,
            version: snapshot.version,
            nextVersion: snapshot.version + 1,
            lease,
            ownRequestIds: requestId === null ? [] : [requestId],
            change,
            reread,
          },
        ]);
      } catch (error) {
        await retake();
        throw error;
      }
      if (outcome === undefined) {
        await retake();
        throw new Error("the commit script answered nothing");
      }

      if (outcome.kind === "ok") {
        lease = null; // the commit dropped it
        markDone = true;
        const indexing =
          outcome.earliest !== expiryBefore
            ? indexExpiry(
                ctx,
                keys.expiryOf(command.userId),
                command.userId,
                snapshot.version + 1,
                outcome.earliest,
                OP,
              ).catch(() => undefined)
            : undefined;
        // Published at once; should it fail, the mark stays for `readFeed`'s repair.
        const publishing =
          change.entries.length > 0
            ? publishEntries(
                ctx,
                [
                  {
                    keys,
                    userId: command.userId,
                    mark: mark.member,
                    entries: storedEntries(change.entries),
                    pendingAt: latestPending(change),
                  },
                ],
                OP,
              ).catch(() => undefined)
            : dropMarks(ctx, [mark], OP);
        await Promise.all([indexing, publishing]);
        return { status: "committed", result };
      }
      unsure = false;
      await retake();
      await release(ctx, reservation, OP);
      if (outcome.kind === "exists") return { status: "replayed", record: outcome.record };
      if (outcome.kind === "leased") lease = null; // someone else holds (or took over) the lease
      if (outcome.kind === "conflict" && outcome.read !== undefined) {
        // The budget counter is not read again: the reservation validates it.
        const now: ReadResult = withEventVersion(
          parseRead(outcome.read, command.userId, command.reads, snapshot.budgetUsed),
          snapshot.eventVersion,
        );
        if (now.kind !== "legacy") fresh = now;
      }
      // A fresh state is decided on at once while attempts are optimistic.
      if (fresh === null || attempt >= OPTIMISTIC_ATTEMPTS) await pause(attempt, deadline);
    }
  } catch (error) {
    // Nothing of this call was committed: the request id must not stay bound to it.
    if (claimed && !unsure && claim !== null) await unclaim(ctx, claim.keys, user, OP);
    throw error;
  } finally {
    // Nothing committed (or nothing with entries): the mark goes, unanswered.
    // A commit whose outcome is unknown keeps it for the repair.
    if (marked !== null && !markDone && !unsure) dropMarks(ctx, [mark], OP);
    if (lease !== null) await dropLease(ctx, account, lease, OP);
  }
}

async function pause(attempt: number, deadline: number): Promise<void> {
  if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline) throw contention("the account", OP);
  await sleep(Math.random() * Math.min(2 ** attempt, 25));
}
