/**
 * `executeMany`: several commands in as few round trips as Redis allows.
 *
 * 1. Every request id is claimed once (for the user of its first command),
 *    and every account and budget counter the commands read is read, all in
 *    one round trip: on a single server in a few large script calls, on a
 *    Cluster in one call per slot.
 * 2. Commands are decided in input order (`planRound`).
 * 3. Accounts whose changes spend a budget take their lease at the version
 *    read; then budgets are reserved, one compare-and-set per counter for
 *    the whole batch, together with the lowered expiry entries.
 * 4. Each account commits with the commit script; the accounts of one call
 *    (all of them on a single server, those of one slot on a Cluster) are
 *    sent in one script call.
 * 5. An account whose commit meets a newer version (or a lease, or a request
 *    recorded meanwhile) gives its share of the budget back and runs again
 *    with the other such accounts: read, decide, commit.
 * 6. At the end, the exact expiry entries and the feed publication of every
 *    account that committed entries, at once (one call per stripe).
 *
 * Every account's pending feed mark (see `feed.ts`) is sent with the first
 * read; accounts that commit nothing drop theirs without waiting.
 */
import { randomUUID } from "node:crypto";
import {
  type AccountCommand,
  addDecimalStrings,
  type BatchOutcome,
  CoinageError,
  isZeroDecimalString,
} from "@coinage/core";
import {
  type BudgetCounter,
  type BudgetSpend,
  type Claim,
  Failure,
  type Group,
  groupReads,
  type Item,
  type Plan,
  planRound,
} from "./batch.js";
import { readGroups } from "./batch-reads.js";
import { giveBack, MAX_BUDGET_SWAPS, type Reservation, release, reserve } from "./budgets.js";
import { foreignRecord, idempotencyConflict, unclaim } from "./claims.js";
import { type AccountWrite, type CommitResult, commitAccounts } from "./commit.js";
import { type Context, contention, MAX_ATTEMPTS, OPTIMISTIC_ATTEMPTS, sleep } from "./context.js";
import { type ExpiryEntry, indexExpiries, lowerExpiries } from "./expiry.js";
import {
  dropMarks,
  type Mark,
  markPending,
  newMark,
  type Publication,
  publishEntries,
  storedEntries,
} from "./feed.js";
import { encodeId } from "./keys.js";
import { dropLease, lockAccounts, takeLease } from "./lease.js";
import { latestPending } from "./liability.js";
import { parseRead, readArgs } from "./reads.js";
import { groupCalls } from "./slots.js";

const OP = "executeMany";

export async function executeMany<T>(
  ctx: Context,
  commands: readonly AccountCommand<T>[],
): Promise<BatchOutcome<T>[]> {
  if (commands.length === 0) return [];
  const outcomes: (BatchOutcome<T> | undefined)[] = new Array(commands.length).fill(undefined);
  const deadline = Date.now() + ctx.contentionTimeoutMs;

  // Accounts, with their commands in input order; request ids, each claimed
  // once, for the user of its first command; budget counters, each read once.
  const groups = new Map<string, Group<T>>();
  const claims = new Map<string, Claim>();
  const budgets = new Map<string, BudgetCounter>();
  commands.forEach((command, index) => {
    const keys = ctx.keys(command.programId);
    const groupKey = `${encodeId(command.programId)}:${encodeId(command.userId)}`;
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = {
        userId: command.userId,
        keys,
        account: keys.account(command.userId),
        items: [],
        reads: command.reads,
        mode: "",
        lease: null,
        base: null,
      };
      groups.set(groupKey, group);
    }
    let claim: Claim | null = null;
    if (command.request !== undefined) {
      const requestId = command.request.requestId;
      const claimKey = `${encodeId(command.programId)}:${encodeId(requestId)}`;
      claim = claims.get(claimKey) ?? null;
      if (claim === null) {
        claim = {
          keys: keys.claim(requestId),
          requestId,
          user: encodeId(command.userId),
          owner: null,
          failure: null,
        };
        claims.set(claimKey, claim);
      }
    }
    const eventId = command.reads.budgetEventId;
    if (eventId !== undefined) {
      const key = keys.budget(eventId);
      if (!budgets.has(key)) budgets.set(key, { key, keys, eventId, used: null, failure: null });
    }
    group.items.push({ index, command, claim });
  });
  for (const group of groups.values()) {
    const covered = groupReads(
      group.items.map((item) => item.command.reads),
      group.items.flatMap((item) => (item.claim === null ? [] : [item.claim.requestId])),
    );
    group.reads = covered.reads;
    group.mode = covered.mode;
  }

  const failGroup = (group: Group<T>, error: unknown) => {
    for (const item of group.items) outcomes[item.index] ??= { status: "failed", error };
  };
  // A plan that cannot commit: what it decided to write fails, its replays and failures stand.
  const failPlan = (plan: Plan<T>, error: unknown) => {
    for (const [index, outcome] of plan.outcomes)
      outcomes[index] = outcome.status === "committed" ? { status: "failed", error } : outcome;
  };
  const foreign: Item<T>[] = [];
  // Commands whose commit may have been applied (its reply was lost).
  const unsure = new Set<number>();
  // Exact expiry index entries of the accounts that committed, written at the end.
  const indexing: ExpiryEntry[] = [];
  const givingBack: Promise<void>[] = [];
  // Feed marks, one per account; the entries committed, published at the end;
  // the accounts whose marks stay (entries to publish, or a commit whose
  // outcome is unknown).
  const marks = new Map<Group<T>, Mark>();
  for (const group of groups.values()) marks.set(group, newMark(group.keys, group.userId));
  const publications: Publication[] = [];
  const keepMarks = new Set<Group<T>>();

  try {
    // Round trip 1: the claims, the accounts, the budget counters, the feed marks.
    let round = [...groups.values()];
    let markedAt = ctx.now();
    const marking = markPending(ctx, [...marks.values()], OP);
    await readGroups(ctx, round, [...claims.values()], budgets);
    // An account whose mark could not be written does not commit.
    (await marking).forEach((settled, i) => {
      const group = round[i] as Group<T>;
      if (settled.status === "rejected") group.base = new Failure(settled.reason);
    });
    // Commands whose claim failed, or is another user's, leave their account's group.
    for (const group of round) {
      group.items = group.items.filter((item) => {
        const claim = item.claim;
        if (claim === null) return true;
        if (claim.failure !== null) {
          outcomes[item.index] = { status: "failed", error: claim.failure.error };
          return false;
        }
        if (claim.owner !== encodeId(item.command.userId)) {
          foreign.push(item);
          return false;
        }
        return true;
      });
    }

    for (let attempt = 1; ; attempt += 1) {
      round = round.filter((group) => {
        if (group.items.length === 0) return false;
        if (group.base instanceof Failure) {
          failGroup(group, group.base.error);
          return false;
        }
        return true;
      });

      const { plans, reservations, deferred } = await decideAndReserve(
        ctx,
        round,
        budgets,
        deadline,
        failPlan,
        failGroup,
      );
      if (plans.length === 0 && deferred.length === 0) break;

      // A batch still running after half the grace period marks its accounts
      // again, lest `readFeed` take them for a crashed batch's.
      if (ctx.now() - markedAt > ctx.feedGraceMs / 2 && plans.length > 0) {
        markedAt = ctx.now();
        const again = plans.map((plan) => marks.get(plan.group) as Mark);
        const remarked = await markPending(ctx, again, OP);
        const failed = remarked.find((settled) => settled.status === "rejected");
        if (failed !== undefined) {
          // No commit without its mark: nothing of this round is written.
          for (const plan of plans) failPlan(plan, (failed as PromiseRejectedResult).reason);
          await releaseShares(ctx, plans, reservations);
          break;
        }
      }

      // Round trip 2: the commits.
      const results = plans.length === 0 ? [] : await commitPlans(ctx, plans, attempt);
      const again: Plan<T>[] = [];
      plans.forEach((plan, i) => {
        const settled = results[i] as PromiseSettledResult<CommitResult>;
        if (settled.status === "rejected") {
          // Outcome unknown: keep the reservation (at worst the budget
          // under-spends) and the claims; the caller retries with the same
          // request ids.
          for (const index of plan.outcomes.keys()) unsure.add(index);
          keepMarks.add(plan.group);
          failPlan(plan, settled.reason);
        } else if (settled.value.kind === "ok") {
          if (plan.merged !== null) plan.group.lease = null; // the commit dropped it
          for (const [index, outcome] of plan.outcomes) outcomes[index] = outcome;
          for (const [key, add] of plan.givebacks)
            givingBack.push(giveBack(ctx, key, add, OP, budgets.get(key)?.used ?? undefined));
          if (plan.merged !== null && plan.merged.entries.length > 0) {
            keepMarks.add(plan.group);
            publications.push({
              keys: plan.group.keys,
              userId: plan.group.userId,
              mark: (marks.get(plan.group) as Mark).member,
              entries: storedEntries(plan.merged.entries),
              pendingAt: latestPending(plan.merged),
            });
          }
          const earliest = settled.value.earliest;
          if (plan.merged !== null && earliest !== plan.expiryBefore) {
            indexing.push({
              keys: plan.group.keys,
              userId: plan.group.userId,
              version: plan.base.version + plan.decided,
              expiry: earliest,
            });
          }
        } else {
          // A newer version, another caller's lease, or a request recorded meanwhile.
          if (settled.value.kind === "leased") plan.group.lease = null;
          // On a version conflict the commit script answered the account as it is now.
          plan.group.base = null;
          if (settled.value.kind === "conflict" && settled.value.read !== undefined) {
            try {
              const now = parseRead(
                settled.value.read,
                plan.group.userId,
                plan.group.reads,
                undefined,
              );
              if (now.kind === "state") plan.group.base = now.snapshot;
            } catch {
              // Read again below.
            }
          }
          again.push(plan);
        }
      });
      await releaseShares(ctx, again, reservations);
      if (again.length === 0 && deferred.length === 0) break;

      // Read the accounts that moved again, and decide again.
      round = [...again.map((plan) => plan.group), ...deferred];
      if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline) {
        for (const group of round) failGroup(group, contention("the account", OP));
        break;
      }
      // Fresh states are decided on at once while attempts are optimistic.
      if (attempt >= OPTIMISTIC_ATTEMPTS || round.some((group) => group.base === null))
        await sleep(Math.random() * Math.min(2 ** attempt, 25));
      if (attempt >= OPTIMISTIC_ATTEMPTS) {
        const leasing = round.map((group) =>
          group.lease === null ? takeLease(ctx, group.account, deadline, OP) : group.lease,
        );
        (await Promise.allSettled(leasing)).forEach((taken, i) => {
          const group = round[i] as Group<T>;
          if (taken.status === "fulfilled") group.lease = taken.value;
          else group.base = new Failure(taken.reason);
        });
        round = round.filter((group) => {
          if (!(group.base instanceof Failure)) return true;
          failGroup(group, group.base.error);
          return false;
        });
      }
      const stale = round.filter((group) => group.base === null);
      if (stale.length > 0) await readGroups(ctx, stale, [], budgets);
    }

    // Request ids claimed by another user: that user's record, or a conflict.
    const resolving = foreign.map((item) => {
      const claim = item.claim as Claim;
      const keys = ctx.keys(item.command.programId);
      return foreignRecord(ctx, keys, claim.requestId, claim.owner as string, OP);
    });
    (await Promise.allSettled(resolving)).forEach((settled, i) => {
      const item = foreign[i] as Item<T>;
      outcomes[item.index] =
        settled.status === "rejected"
          ? { status: "failed", error: settled.reason }
          : (settled.value ?? {
              status: "failed",
              error: idempotencyConflict((item.claim as Claim).requestId),
            });
    });

    // Claims under which every command failed with nothing committed are given back.
    const unused = new Map<Claim, boolean>();
    for (const group of groups.values()) {
      for (const item of group.items) {
        const claim = item.claim;
        if (claim === null || claim.owner !== claim.user) continue;
        if (encodeId(item.command.userId) !== claim.user) continue;
        const nothing = outcomes[item.index]?.status === "failed" && !unsure.has(item.index);
        unused.set(claim, (unused.get(claim) ?? true) && nothing);
      }
    }
    await Promise.all(
      [...unused]
        .filter(([, free]) => free)
        .map(([claim]) => unclaim(ctx, claim.keys, claim.user, OP)),
    );
  } finally {
    await Promise.all(
      [...groups.values()].map((group) =>
        group.lease === null ? undefined : dropLease(ctx, group.account, group.lease, OP),
      ),
    );
    dropMarks(
      ctx,
      [...marks].flatMap(([group, mark]) => (keepMarks.has(group) ? [] : [mark])),
      OP,
    );
    // Should a publication fail, its marks stay for `readFeed`'s repair.
    await Promise.all([
      indexing.length > 0 ? indexExpiries(ctx, indexing, OP) : undefined,
      publications.length > 0
        ? publishEntries(ctx, publications, OP).catch(() => undefined)
        : undefined,
    ]);
    await Promise.all(givingBack);
  }

  return outcomes.map(
    (outcome) =>
      outcome ?? {
        status: "failed",
        error: new CoinageError(
          "STORE_UNAVAILABLE",
          { operation: OP },
          { message: "The batch ended without an outcome for this command." },
        ),
      },
  );
}

/**
 * Decides the round, then reserves the budgets the decisions spend and
 * lowers the expiry entries they bring forward, in one round trip. When a
 * counter moved past what the decisions fit, decides again on its new value.
 */
async function decideAndReserve<T>(
  ctx: Context,
  groups: readonly Group<T>[],
  budgets: ReadonlyMap<string, BudgetCounter>,
  deadline: number,
  failPlan: (plan: Plan<T>, error: unknown) => void,
  failGroup: (group: Group<T>, error: unknown) => void,
): Promise<{
  readonly plans: Plan<T>[];
  readonly reservations: Reservation[];
  /** Accounts that moved before they could be held: read and decided again next round. */
  readonly deferred: Group<T>[];
}> {
  let round = groups;
  const deferred: Group<T>[] = [];
  for (let swaps = 1; round.length > 0; swaps += 1) {
    const planned = planRound(round, budgets);
    // Accounts whose changes spend a budget are held at the version read
    // before any reservation shows (see lease.ts); those that moved go to the
    // next round, and the rest are decided again without them.
    const holding = planned.plans.filter((plan) => plan.merged !== null && plan.spends.size > 0);
    if (holding.length > 0) {
      const tokens = holding.map((plan) => plan.group.lease ?? randomUUID());
      const answers = await lockAccounts(
        ctx,
        holding.map((plan, i) => ({
          account: plan.group.account,
          version: plan.base.version,
          token: tokens[i] as string,
        })),
        OP,
      );
      const out = new Set<Group<T>>();
      answers.forEach((answer, i) => {
        const plan = holding[i] as Plan<T>;
        if (answer === "ok") plan.group.lease = tokens[i] as string;
        else if (typeof answer === "object") {
          failPlan(plan, answer.failed);
          out.add(plan.group);
        } else {
          if (answer === "leased") plan.group.lease = null;
          plan.group.base = null;
          deferred.push(plan.group);
          out.add(plan.group);
        }
      });
      if (out.size > 0) {
        round = round.filter((group) => !out.has(group));
        continue;
      }
    }
    const lowering = planned.plans.filter((plan) => plan.lowered !== null);
    const reserving = planned.spends.map((spend) =>
      reserve(ctx, spend.counter.key, spend.used, spend.add, spend.fits, deadline, OP),
    );
    const [loweredSome, reserved] = await Promise.all([
      lowerExpiries(
        ctx,
        lowering.map((plan) => ({
          keys: plan.group.keys,
          userId: plan.group.userId,
          expiry: plan.lowered,
        })),
        OP,
      ),
      Promise.allSettled(reserving),
    ]);
    const lowered = new Map(lowering.map((plan, i) => [plan, loweredSome[i]]));
    let reservations: Reservation[] = [];
    let exhausted = false;
    const broken = new Map<string, unknown>();
    reserved.forEach((settled, i) => {
      const spend = planned.spends[i] as BudgetSpend;
      if (settled.status === "rejected") broken.set(spend.counter.key, settled.reason);
      else if ("exhausted" in settled.value) {
        spend.counter.used = settled.value.exhausted;
        exhausted = true;
      } else reservations.push(settled.value);
    });
    if (broken.size > 0 || exhausted) {
      await Promise.all(reservations.map((reservation) => release(ctx, reservation, OP)));
      reservations = [];
      // Accounts that spend an unreachable counter fail; the rest decide again.
      const out = new Set<Group<T>>();
      for (const plan of planned.plans) {
        for (const key of plan.spends.keys()) {
          if (!broken.has(key)) continue;
          failPlan(plan, broken.get(key));
          out.add(plan.group);
          break;
        }
      }
      round = round.filter((group) => !out.has(group));
      if (swaps >= MAX_BUDGET_SWAPS || Date.now() >= deadline) {
        for (const group of round) failGroup(group, contention("the event budget counter", OP));
        round = [];
      }
      continue;
    }
    // An account whose earlier expiry could not be indexed does not commit.
    const dropped: Plan<T>[] = [];
    const plans = planned.plans.filter((plan) => {
      const settled = lowered.get(plan);
      if (settled?.status !== "rejected") return true;
      failPlan(plan, settled.reason);
      dropped.push(plan);
      return false;
    });
    await releaseShares(ctx, dropped, reservations);
    return { plans, reservations, deferred };
  }
  return { plans: [], reservations: [], deferred };
}

/** Commits every plan that wrote something, as few script calls as the deployment allows. */
async function commitPlans<T>(
  ctx: Context,
  plans: readonly Plan<T>[],
  attempt: number,
): Promise<PromiseSettledResult<CommitResult>[]> {
  const results: PromiseSettledResult<CommitResult>[] = new Array(plans.length);
  const writes: { readonly at: number; readonly write: AccountWrite }[] = [];
  plans.forEach((plan, at) => {
    if (plan.merged === null) {
      results[at] = { status: "fulfilled", value: { kind: "ok", earliest: plan.expiryBefore } };
      return;
    }
    writes.push({
      at,
      write: {
        account: plan.group.account,
        version: plan.base.version,
        nextVersion: plan.base.version + plan.decided,
        lease: plan.group.lease,
        ownRequestIds: plan.ownRequestIds,
        change: plan.merged,
        // After a first conflict, a conflicting commit answers the account as it is now.
        ...(attempt > 1 ? { reread: readArgs(plan.group.reads, null, plan.group.mode) } : {}),
      },
    });
  });
  const calls = groupCalls(writes, !ctx.crossSlot, (item) => item.write.account.head);
  await Promise.all(
    calls.map(async (call) => {
      try {
        const replies = await commitAccounts(
          ctx,
          OP,
          call.map((item) => item.write),
        );
        call.forEach((item, i) => {
          results[item.at] = { status: "fulfilled", value: replies[i] as CommitResult };
        });
      } catch (reason) {
        for (const item of call) results[item.at] = { status: "rejected", reason };
      }
    }),
  );
  return results;
}

/** Gives back the budget the plans reserved: their shares of each reservation, summed per counter. */
async function releaseShares<T>(
  ctx: Context,
  plans: readonly Plan<T>[],
  reservations: readonly Reservation[],
): Promise<void> {
  const reserved = new Set(reservations.map((reservation) => reservation.key));
  const back = new Map<string, string>();
  for (const plan of plans) {
    for (const [key, add] of plan.spends) {
      if (reserved.has(key)) back.set(key, addDecimalStrings(back.get(key) ?? "0", add));
    }
  }
  await Promise.all(
    [...back].map(([key, add]) =>
      isZeroDecimalString(add) ? undefined : release(ctx, { key, add }, OP),
    ),
  );
}
