/**
 * `executeTogether`: commands on different accounts, committed all or
 * nothing (a referral pair).
 *
 * 1. Take every account's lease, in the order of their keys (two groups on
 *    the same accounts never wait on each other in a cycle); nothing else
 *    commits on them until this group is done or a lease lapses.
 * 2. Claim every request id and read every account, at once.
 * 3. Decide each command on its own snapshot; a decision that throws ends
 *    the group with nothing written.
 * 4. Reserve event budgets and lower expiry index entries (as `execute`).
 * 5. Commit:
 *    - on a single server, every account in one call of the all-or-nothing
 *      commit script: all are written, or none;
 *    - on a Cluster the accounts live in different slots and no script may
 *      span them, so they commit one after another, each under its lease.
 *      A group that stops between two commits (its process dies, or the
 *      connection does) has booked part of itself: a retry with the same
 *      request ids finds the part booked (its record, with the same
 *      fingerprint) and books the rest. Until then a reader sees the part.
 *      This is the one place the Cluster store is weaker than the others:
 *      it is "both, eventually, on retry", not "both or neither at every
 *      instant". A retry is what a caller does with a request it got no
 *      answer for, so the rest is booked by the caller's own retry.
 * 6. After the commit: expiry index entries and feed publication, as
 *    `execute` does.
 */
import {
  type AccountChange,
  type AccountCommand,
  type AccountSnapshot,
  addDecimalStrings,
  type GroupOutcome,
  type RequestRecord,
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
import { type AccountWrite, type CommitResult, commitAccounts } from "./commit.js";
import { type Context, contention, MAX_ATTEMPTS, sleep } from "./context.js";
import { earliestAfter, earliestExpiry, indexExpiry, lowerExpiry, lowers } from "./expiry.js";
import {
  dropMarks,
  type Mark,
  markPending,
  newMark,
  publishEntries,
  storedEntries,
} from "./feed.js";
import { type AccountKeys, encodeId, type ProgramKeys } from "./keys.js";
import { dropLease, takeLease } from "./lease.js";
import { latestPending } from "./liability.js";
import { budgetUsed } from "./reads.js";

const OP = "executeTogether";

interface Part<T> {
  readonly command: AccountCommand<T>;
  readonly index: number;
  readonly account: AccountKeys;
  readonly user: string;
  readonly requestId: string | null;
  readonly mark: Mark;
  lease: string | null;
  /** This call holds the request id's claim (to give back should it book nothing). */
  claimed: boolean;
  /** Booked: by this call (`result`) or before it (`record` only). */
  booked: boolean;
  result?: T;
  record?: RequestRecord | undefined;
}

/** One part's decision in an attempt. */
interface Decision<T> {
  readonly part: Part<T>;
  readonly snapshot: AccountSnapshot;
  readonly change: AccountChange;
  readonly result: T;
}

export async function executeTogether<T>(
  ctx: Context,
  commands: readonly AccountCommand<T>[],
): Promise<GroupOutcome<T>> {
  if (commands.length === 0) return { status: "committed", results: [] };
  const programId = (commands[0] as AccountCommand<T>).programId;
  if (commands.some((command) => command.programId !== programId))
    throw new Error("executeTogether takes commands of one program");
  const keys = ctx.keys(programId);
  const parts: Part<T>[] = commands.map((command, index) => ({
    command,
    index,
    account: keys.account(command.userId),
    user: encodeId(command.userId),
    requestId: command.request?.requestId ?? null,
    mark: newMark(keys, command.userId),
    lease: null,
    claimed: false,
    booked: false,
  }));
  if (new Set(parts.map((part) => part.account.head)).size !== parts.length)
    throw new Error("executeTogether takes one command per account");
  const byKey = [...parts].sort((a, b) => compareKeys(a.account.head, b.account.head));
  const deadline = Date.now() + ctx.contentionTimeoutMs;
  // A commit was sent and its answer lost: its claims and marks stay (see `execute`).
  let unsure = false;
  let marked: Promise<PromiseSettledResult<unknown>[]> | null = null;
  let markedAt = 0;
  try {
    for (let attempt = 1; ; attempt += 1) {
      for (const part of byKey)
        if (!part.booked && part.lease === null)
          part.lease = await takeLease(ctx, part.account, deadline, OP);
      if (marked === null) {
        markedAt = ctx.now();
        marked = markPending(
          ctx,
          parts.map((part) => part.mark),
          OP,
        );
      }

      const open = parts.filter((part) => !part.booked);
      const reads = await Promise.all(open.map((part) => readPart(ctx, keys, part, attempt)));
      const found = await settleReads(ctx, keys, parts, open, reads);
      if (found !== null) return found;
      // Parts booked before this call, under another payload: a conflict the engine reports.
      if (parts.some((part) => part.record !== undefined && !sameRequest(part))) {
        await giveBackClaims(ctx, keys, parts);
        return replayed(parts);
      }

      // May throw: nothing has been written for this attempt yet.
      // Parts that spend one budget see what the earlier parts spent of it.
      const decisions: Decision<T>[] = [];
      const spent = new Map<string, string>();
      open.forEach((part, at) => {
        const read = reads[at] as AccountRead;
        if (read.kind !== "state") return;
        const snapshot = withSpent(read.snapshot, part.command.reads.budgetEventId, spent);
        const { change, result } = part.command.decide(snapshot);
        const budget = change.budget;
        if (budget !== undefined)
          spent.set(
            budget.eventId,
            addDecimalStrings(spent.get(budget.eventId) ?? "0", budget.add),
          );
        decisions.push({ part, snapshot, change, result });
      });

      const reserved = await reserveBudgets(ctx, keys, decisions, deadline);
      if (reserved === null) {
        await pause(attempt, deadline);
        continue;
      }
      const undo = async () => {
        for (const step of reserved.reverse()) await step();
      };
      try {
        await Promise.all(
          decisions.map(({ part, snapshot, change }) => {
            const before = earliestExpiry(snapshot.lots);
            const after = earliestAfter(snapshot.lots, change.lots);
            return lowers(before, after)
              ? lowerExpiry(ctx, keys, part.command.userId, after, OP)
              : undefined;
          }),
        );
        if (ctx.now() - markedAt > ctx.feedGraceMs / 2) {
          markedAt = ctx.now();
          marked = markPending(
            ctx,
            parts.map((part) => part.mark),
            OP,
          );
        }
        const [markedOk] = await marked;
        if (markedOk?.status === "rejected") throw markedOk.reason;
      } catch (error) {
        await undo();
        throw error;
      }

      // A call that fails leaves its outcome unknown: its claims, marks and
      // reservations stay (at worst a budget under-spends), and the caller
      // retries. Parts whose commit was answered are booked all the same.
      unsure = true;
      const { outcomes, failure } = await commit(ctx, decisions);
      const after: Promise<unknown>[] = [];
      decisions.forEach((decision, at) => {
        const outcome = outcomes[at];
        if (outcome?.kind !== "ok") return;
        const { part, snapshot, change, result } = decision;
        part.booked = true;
        part.lease = null; // the commit dropped it
        part.result = result;
        part.record = ownRecord(part, change);
        after.push(published(ctx, keys, decision, outcome.earliest, earliestExpiry(snapshot.lots)));
      });
      await Promise.all(after);
      if (failure !== undefined) throw failure;
      unsure = false;
      if (parts.every((part) => part.booked)) {
        if (parts.some((part) => part.result === undefined)) return replayed(parts);
        return { status: "committed", results: parts.map((part) => part.result as T) };
      }
      // Some account moved under a lapsed lease (or a request was recorded
      // meanwhile): give back what the unwritten ones reserved, and go again
      // for them. On a Cluster the written ones stay written (see above).
      await undoFor(
        reserved,
        decisions.filter((_, at) => outcomes[at]?.kind !== "ok"),
      );
      for (const [at, outcome] of outcomes.entries()) {
        const part = (decisions[at] as Decision<T>).part;
        if (outcome?.kind === "leased" || outcome?.kind === "conflict") {
          if (part.lease !== null) await dropLease(ctx, part.account, part.lease, OP);
          part.lease = null;
        }
      }
      await pause(attempt, deadline);
    }
  } catch (error) {
    // Nothing of this call was committed: its request ids must not stay bound to it.
    if (!unsure && !parts.some((part) => part.booked && part.result !== undefined))
      await giveBackClaims(ctx, keys, parts);
    throw error;
  } finally {
    if (marked !== null && !unsure)
      dropMarks(
        ctx,
        parts.filter((part) => part.result === undefined).map((part) => part.mark),
        OP,
      );
    for (const part of parts)
      if (part.lease !== null) await dropLease(ctx, part.account, part.lease, OP);
  }
}

/** The snapshot with the budget counter as the group's earlier parts leave it. */
function withSpent(
  snapshot: AccountSnapshot,
  eventId: string | undefined,
  spent: ReadonlyMap<string, string>,
): AccountSnapshot {
  const extra = eventId === undefined ? undefined : spent.get(eventId);
  if (extra === undefined || snapshot.budgetUsed === undefined) return snapshot;
  return { ...snapshot, budgetUsed: addDecimalStrings(snapshot.budgetUsed, extra) };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readPart<T>(
  ctx: Context,
  keys: ProgramKeys,
  part: Part<T>,
  attempt: number,
): Promise<AccountRead> {
  const claim =
    attempt === 1 && part.requestId !== null
      ? { keys: keys.claim(part.requestId), user: part.user }
      : null;
  return readAccount(
    ctx,
    keys,
    part.command.userId,
    part.account,
    part.command.reads,
    part.requestId,
    claim,
    "",
    OP,
  );
}

/**
 * What the reads say before any decision: a request id another user holds
 * ends the group (`replayed` with the records found; nothing of this call
 * is booked and its claims are given back); parts already recorded are
 * booked (`record`). `null`: go on and decide the rest.
 */
async function settleReads<T>(
  ctx: Context,
  keys: ProgramKeys,
  parts: readonly Part<T>[],
  open: readonly Part<T>[],
  reads: readonly AccountRead[],
): Promise<GroupOutcome<T> | null> {
  const foreign: { part: Part<T>; owner: string }[] = [];
  open.forEach((part, at) => {
    const read = reads[at] as AccountRead;
    if (read.kind === "foreign") foreign.push({ part, owner: read.owner });
    else if (part.requestId !== null) part.claimed = true;
    if (read.kind === "replay") {
      part.booked = true;
      part.record = read.record;
    }
  });
  if (foreign.length > 0) {
    const records: Record<string, RequestRecord> = {};
    for (const part of open)
      if (part.record !== undefined) records[part.record.requestId] = part.record;
    for (const { part, owner } of foreign) {
      const found = await foreignRecord(ctx, keys, part.requestId as string, owner, OP);
      if (found === null) throw idempotencyConflict(part.requestId as string);
      records[found.record.requestId] = found.record;
    }
    // This call booked nothing: its own claims go back.
    await giveBackClaims(ctx, keys, parts);
    return { status: "replayed", records };
  }
  if (parts.every((part) => part.booked)) return replayed(parts);
  return null;
}

/** Gives back the claims this call holds for requests it did not book (see `unclaim`). */
async function giveBackClaims<T>(
  ctx: Context,
  keys: ProgramKeys,
  parts: readonly Part<T>[],
): Promise<void> {
  await Promise.all(
    parts
      .filter((part) => part.claimed && !part.booked)
      .map((part) => {
        part.claimed = false;
        return unclaim(ctx, keys.claim(part.requestId as string), part.user, OP);
      }),
  );
}

/** The group booked before (in part or whole): the records found, by request id. */
function replayed<T>(parts: readonly Part<T>[]): GroupOutcome<T> {
  const records: Record<string, RequestRecord> = {};
  for (const part of parts)
    if (part.record !== undefined) records[part.record.requestId] = part.record;
  return { status: "replayed", records };
}

/** A part booked before this call, for the same request (its record's fingerprint). */
function sameRequest<T>(part: Part<T>): boolean {
  return part.record?.fingerprint === part.command.request?.fingerprint;
}

function ownRecord<T>(part: Part<T>, change: AccountChange): RequestRecord | undefined {
  return change.requests.find((record) => record.requestId === part.requestId);
}

/**
 * Reserves every spending budget and gives back every returning one (the
 * accounts are held by their leases). Answers the steps that undo them, or
 * `null` when a budget ran out meanwhile (nothing held: decide again).
 */
async function reserveBudgets<T>(
  ctx: Context,
  keys: ProgramKeys,
  decisions: readonly Decision<T>[],
  deadline: number,
): Promise<((() => Promise<void>) & { readonly part: Part<T> })[] | null> {
  const steps: ((() => Promise<void>) & { readonly part: Part<T> })[] = [];
  const step = (part: Part<T>, run: () => Promise<void>) => Object.assign(run, { part });
  try {
    for (const { part, snapshot, change } of decisions) {
      const budget = change.budget;
      if (budget === undefined) continue;
      if (spendsBudget(budget.add)) {
        const used = snapshot.budgetUsed ?? (await budgetUsed(ctx, keys, budget.eventId, OP));
        const reservation: Reservation | { readonly exhausted: string } = await reserve(
          ctx,
          keys.budget(budget.eventId),
          used,
          budget.add,
          (current) => fitsBudget(current, budget.add, budget.limit),
          deadline,
          OP,
        );
        if ("exhausted" in reservation) {
          for (const undo of steps.reverse()) await undo();
          return null;
        }
        steps.push(step(part, () => release(ctx, reservation, OP)));
      } else if (givesBackBudget(budget.add)) {
        await giveBack(ctx, keys.budget(budget.eventId), budget.add, OP, snapshot.budgetUsed);
        steps.push(
          step(part, () =>
            giveBack(ctx, keys.budget(budget.eventId), subtractDecimalStrings("0", budget.add), OP),
          ),
        );
      }
    }
  } catch (error) {
    for (const undo of steps.reverse()) await undo();
    throw error;
  }
  return steps;
}

async function undoFor<T>(
  steps: readonly ((() => Promise<void>) & { readonly part: Part<T> })[],
  unwritten: readonly Decision<T>[],
): Promise<void> {
  const parts = new Set(unwritten.map((decision) => decision.part));
  for (const step of [...steps].reverse()) if (parts.has(step.part)) await step();
}

/**
 * Every decision in one all-or-nothing call on a single server; in key
 * order, one by one, on a Cluster (stopping at the first not written). A
 * call that fails is the `failure`; its outcome, and those of the calls not
 * sent after it, are `undefined`.
 */
async function commit<T>(
  ctx: Context,
  decisions: readonly Decision<T>[],
): Promise<{ outcomes: (CommitResult | undefined)[]; failure?: unknown }> {
  const writes: AccountWrite[] = decisions.map(({ part, snapshot, change }) => ({
    account: part.account,
    version: snapshot.version,
    nextVersion: snapshot.version + 1,
    lease: part.lease,
    ownRequestIds: part.requestId === null ? [] : [part.requestId],
    change,
  }));
  const outcomes: (CommitResult | undefined)[] = new Array(writes.length).fill(undefined);
  try {
    if (ctx.crossSlot) return { outcomes: await commitAccounts(ctx, OP, writes, true) };
    const order = writes
      .map((write, at) => ({ write, at }))
      .sort((a, b) => compareKeys(a.write.account.head, b.write.account.head));
    for (const { write, at } of order) {
      const [outcome] = await commitAccounts(ctx, OP, [write]);
      if (outcome === undefined) throw new Error("the commit script answered nothing");
      outcomes[at] = outcome;
      if (outcome.kind !== "ok") break;
    }
    return { outcomes };
  } catch (failure) {
    return { outcomes, failure };
  }
}

/** After a part's commit: its expiry index entry (when it moved) and its feed publication. */
async function published<T>(
  ctx: Context,
  keys: ProgramKeys,
  { part, snapshot, change }: Decision<T>,
  earliest: number | null,
  before: number | null,
): Promise<void> {
  const userId = part.command.userId;
  const indexing =
    earliest !== before
      ? indexExpiry(ctx, keys.expiryOf(userId), userId, snapshot.version + 1, earliest, OP).catch(
          () => undefined,
        )
      : undefined;
  const publishing =
    change.entries.length > 0
      ? publishEntries(
          ctx,
          [
            {
              keys,
              userId,
              mark: part.mark.member,
              entries: storedEntries(change.entries),
              pendingAt: latestPending(change),
            },
          ],
          OP,
        ).catch(() => undefined)
      : dropMarks(ctx, [part.mark], OP);
  await Promise.all([indexing, publishing]);
}

async function pause(attempt: number, deadline: number): Promise<void> {
  if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline) throw contention("the accounts", OP);
  await sleep(Math.random() * Math.min(2 ** attempt, 25));
}
