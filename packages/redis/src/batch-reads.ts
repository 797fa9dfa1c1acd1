/**
 * Reading a batch's accounts: their request-id claims (the first time), the
 * accounts, and the budget counters their commands read, all in one round
 * trip.
 */
import type { BudgetCounter, Claim, Group } from "./batch.js";
import { Failure } from "./batch.js";
import { claimAndRead } from "./claims.js";
import { unavailable } from "./client.js";
import type { Context } from "./context.js";
import { encodeId } from "./keys.js";
import { migrate } from "./migrate.js";
import { budgetUsed, parseRead, readArgs } from "./reads.js";
import { groupCalls } from "./slots.js";

const OP = "executeMany";

/**
 * Claims the request ids (when given) and reads the groups' accounts and the
 * budget counters their commands ask for, all at once; migrates accounts of
 * version 0.1 and reads them again.
 */
export async function readGroups<T>(
  ctx: Context,
  groups: readonly Group<T>[],
  claims: readonly Claim[],
  budgets: ReadonlyMap<string, BudgetCounter>,
): Promise<void> {
  const wanted = new Set<BudgetCounter>();
  for (const group of groups) {
    for (const item of group.items) {
      const eventId = item.command.reads.budgetEventId;
      if (eventId === undefined) continue;
      const counter = budgets.get(group.keys.budget(eventId));
      if (counter !== undefined) wanted.add(counter);
    }
  }
  const counters = [...wanted];

  const replies = new Map<Group<T>, PromiseSettledResult<unknown>>();
  const reading = (list: readonly Group<T>[], claimed: readonly Claim[]) =>
    claimAndRead(
      ctx,
      OP,
      claimed,
      list.map((group) => ({
        account: group.account,
        args: readArgs(group.reads, null, group.mode),
      })),
    ).then(
      (reply) => {
        claimed.forEach((claim, i) => {
          claim.owner = reply.owners[i] as string;
        });
        list.forEach((group, i) => {
          replies.set(group, { status: "fulfilled", value: reply.replies[i] });
        });
      },
      (reason: unknown) => {
        for (const claim of claimed) claim.failure = new Failure(reason);
        for (const group of list) replies.set(group, { status: "rejected", reason });
      },
    );
  let sent: Promise<unknown>[];
  if (ctx.crossSlot) {
    // A few large calls, each with the claims of its accounts' commands (a
    // claim goes with the account of the user it is claimed for).
    const wantedClaims = new Set(claims);
    const claimsOf = new Map<Group<T>, Claim[]>();
    for (const group of groups) {
      const user = encodeId(group.userId);
      const list: Claim[] = [];
      for (const item of group.items) {
        const claim = item.claim;
        if (claim === null || claim.user !== user || !wantedClaims.delete(claim)) continue;
        list.push(claim);
      }
      claimsOf.set(group, list);
    }
    const calls = groupCalls(groups, false, (group) => group.account.head);
    sent = calls.map((call) =>
      reading(
        call,
        call.flatMap((group) => claimsOf.get(group) ?? []),
      ),
    );
  } else {
    // One call per slot: the claims in theirs, the accounts in theirs.
    sent = [
      ...groupCalls(claims, true, (claim) => claim.keys.claim).map((call) => reading([], call)),
      ...groupCalls(groups, true, (group) => group.account.head).map((call) => reading(call, [])),
    ];
  }
  // Sent after the claims and the reads, in the same round trip.
  const used = Promise.allSettled(
    counters.map((counter) => budgetUsed(ctx, counter.keys, counter.eventId, OP)),
  );
  await Promise.all(sent);

  const legacy: Group<T>[] = [];
  for (const group of groups) {
    const settled = replies.get(group);
    if (settled === undefined) continue;
    if (settled.status === "rejected") {
      group.base = new Failure(settled.reason);
      continue;
    }
    try {
      // Asked without an own request id, the script always answers the state (or the 0.1 layout).
      const state = parseRead(settled.value, group.userId, group.reads, undefined);
      if (state.kind === "state") group.base = state.snapshot;
      else if (state.kind === "legacy") {
        group.base = new Failure(new Error("the account is still in its 0.1 layout"));
        await migrate(ctx, group.account, state.legacy, OP).then(
          () => legacy.push(group),
          (error: unknown) => {
            group.base = new Failure(error);
          },
        );
      } else throw new Error("the read answered a replay");
    } catch (error) {
      group.base = new Failure(unavailable(OP, error));
    }
  }
  if (legacy.length > 0) await readGroups(ctx, legacy, [], new Map());

  (await used).forEach((settled, i) => {
    const counter = counters[i] as BudgetCounter;
    if (settled.status === "fulfilled") {
      counter.used = settled.value;
      counter.failure = null;
    } else counter.failure = new Failure(settled.reason);
  });
}
