/**
 * The pure part of `executeMany`: what one read of an account must cover for
 * several commands, the decisions of a round (each command on its account's
 * state after the earlier ones, and on the budget counters as the earlier
 * decisions left them), and the changes of one account merged into one
 * commit.
 */
import {
  type AccountChange,
  type AccountCommand,
  type AccountReads,
  type AccountSnapshot,
  addDecimalStrings,
  applyChange,
  type BatchOutcome,
  compareDecimalStrings,
  type RequestRecord,
  snapshotFor,
} from "@coinage/core";
import { fitsBudget, givesBackBudget, spendsBudget } from "./budgets.js";
import type { MergedChange } from "./commit.js";
import { earliestAfter, earliestExpiry, lowers } from "./expiry.js";
import type { AccountKeys, ClaimKeys, ProgramKeys } from "./keys.js";
import type { ReadMode } from "./reads.js";

/** A failed read or claim, kept to fail the commands that needed it. */
export class Failure {
  constructor(readonly error: unknown) {}
}

/** A request id of a batch, claimed once, for the user of its first command. */
export interface Claim {
  readonly keys: ClaimKeys;
  readonly requestId: string;
  /** The encoded user id claiming. */
  readonly user: string;
  /** The (encoded) user that owns the claim, once claimed. */
  owner: string | null;
  failure: Failure | null;
}

export interface Item<T> {
  readonly index: number;
  readonly command: AccountCommand<T>;
  readonly claim: Claim | null;
}

/** The commands of a batch on one account, in input order. */
export interface Group<T> {
  readonly userId: string;
  readonly keys: ProgramKeys;
  readonly account: AccountKeys;
  items: Item<T>[];
  /** What one read must cover for all of them. */
  reads: AccountReads;
  mode: ReadMode;
  lease: string | null;
  /** The account as last read. */
  base: AccountSnapshot | Failure | null;
}

/** An event budget counter a batch reads. */
export interface BudgetCounter {
  readonly key: string;
  readonly keys: ProgramKeys;
  readonly eventId: string;
  /** The value last read (or met by a compare-and-set). */
  used: string | null;
  failure: Failure | null;
}

/** What a batch round spends of one budget counter, and on which values of it its decisions still stand. */
export interface BudgetSpend {
  readonly counter: BudgetCounter;
  readonly used: string;
  readonly add: string;
  readonly fits: (used: string) => boolean;
}

/** One account's decisions in a batch round, committed all at once or not at all. */
export interface Plan<T> {
  readonly group: Group<T>;
  readonly base: AccountSnapshot;
  /** Per command (by input index): what it gets if this plan commits. */
  readonly outcomes: ReadonlyMap<number, BatchOutcome<T>>;
  /** How many changes `merged` holds (the account version moves by as many). */
  readonly decided: number;
  readonly merged: MergedChange | null;
  readonly ownRequestIds: readonly string[];
  /** Budget counter key → what this account's changes add to it. */
  readonly spends: ReadonlyMap<string, string>;
  /** Budget counter key → what this account's changes give back (negative), once committed. */
  readonly givebacks: ReadonlyMap<string, string>;
  readonly expiryBefore: number | null;
  /** Set when the changes bring the account's earliest expiry forward: lower the index first. */
  readonly lowered: number | null;
}

/**
 * What one read of an account covers for its commands. One command reads
 * what it asks for; several read every open lot (`'all'`), because what a
 * later one needs depends on what the earlier ones change. Either way with
 * every usage key, request id and lot id asked for, plus the commands' own
 * request ids (so that a request already recorded shows up as a record).
 */
export function groupReads(
  reads: readonly AccountReads[],
  ownRequestIds: readonly string[],
): { readonly reads: AccountReads; readonly mode: ReadMode } {
  const usageKeys = new Set<string>();
  const requestIds = new Set<string>(ownRequestIds);
  const lotIds = new Set<number>();
  let at = Number.NEGATIVE_INFINITY;
  for (const read of reads) {
    for (const key of read.usageKeys) usageKeys.add(key);
    for (const id of read.requestIds) requestIds.add(id);
    for (const id of read.lotIds) lotIds.add(id);
    if (read.at > at) at = read.at;
  }
  const one = reads.length === 1 ? (reads[0] as AccountReads) : undefined;
  return {
    reads: {
      at,
      ...(one?.spend === undefined ? {} : { spend: one.spend }),
      usageKeys: [...usageKeys],
      requestIds: [...requestIds],
      lotIds: [...lotIds],
    },
    mode: one === undefined ? "all" : "",
  };
}

/**
 * Merges changes decided one after another on one account (each on the
 * snapshot the earlier ones left): the last state of every lot, usage
 * counter and request record, every entry, the last head and totals.
 */
export function mergeChanges(changes: readonly AccountChange[]): MergedChange {
  const last = changes[changes.length - 1];
  if (last === undefined) throw new Error("mergeChanges: no change");
  if (changes.length === 1) return last;
  const lots = new Map<number, AccountChange["lots"][number]>();
  const usage = new Map<string, string>();
  const requests = new Map<string, RequestRecord>();
  const entries: AccountChange["entries"][number][] = [];
  for (const change of changes) {
    for (const lot of change.lots) lots.set(lot.id, lot);
    entries.push(...change.entries);
    for (const [key, value] of Object.entries(change.usage)) usage.set(key, value);
    for (const record of change.requests) requests.set(record.requestId, record);
  }
  return {
    lots: [...lots.values()],
    totals: last.totals,
    debt: last.debt,
    nextLotId: last.nextLotId,
    nextEntrySeq: last.nextEntrySeq,
    entries,
    usage: Object.fromEntries(usage),
    requests: [...requests.values()],
  };
}

interface Draft<T> {
  readonly base: AccountSnapshot;
  /** The account after the changes decided so far (but the last one, once no command follows). */
  state: AccountSnapshot;
  /** The group's commands not decided yet. */
  left: number;
  readonly outcomes: Map<number, BatchOutcome<T>>;
  readonly changes: AccountChange[];
  readonly own: Set<string>;
  readonly spends: Map<string, string>;
  readonly givebacks: Map<string, string>;
}

/**
 * Decides every command of the round's accounts in input order, each on its
 * account's state after the earlier ones (`applyChange`, then `snapshotFor`
 * to show it the lots it asked for) and on the budget counters as the
 * earlier decisions left them. Pure: writes nothing.
 */
export function planRound<T>(
  round: readonly Group<T>[],
  budgets: ReadonlyMap<string, BudgetCounter>,
): { readonly plans: Plan<T>[]; readonly spends: BudgetSpend[] } {
  const drafts = new Map<Group<T>, Draft<T>>();
  for (const group of round) {
    const base = group.base as AccountSnapshot;
    drafts.set(group, {
      base,
      state: base,
      left: group.items.length,
      outcomes: new Map(),
      changes: [],
      own: new Set(),
      spends: new Map(),
      givebacks: new Map(),
    });
  }
  // Per counter: the total added so far this round, and each addition's check.
  const totals = new Map<string, string>();
  const checks = new Map<string, { prefix: string; add: string; limit: string }[]>();
  const usedNow = (counter: BudgetCounter) =>
    addDecimalStrings(counter.used ?? "0", totals.get(counter.key) ?? "0");

  const items = round
    .flatMap((group) => group.items.map((item) => ({ group, item })))
    .sort((a, b) => a.item.index - b.item.index);
  for (const { group, item } of items) {
    const draft = drafts.get(group) as Draft<T>;
    const { command, index } = item;
    const requestId = command.request?.requestId;
    if (requestId !== undefined && Object.hasOwn(draft.state.requests, requestId)) {
      draft.left -= 1;
      draft.outcomes.set(index, {
        status: "replayed",
        record: draft.state.requests[requestId] as RequestRecord,
      });
      continue;
    }
    try {
      let budgetUsed: string | undefined;
      const eventId = command.reads.budgetEventId;
      if (eventId !== undefined) {
        const counter = budgets.get(group.keys.budget(eventId));
        if (counter?.failure) throw counter.failure.error;
        if (counter === undefined || counter.used === null)
          throw new Error(`the budget counter of event ${eventId} was not read`);
        budgetUsed = usedNow(counter);
      }
      // May throw: the command fails alone. An account read for this one
      // command holds exactly its lots; otherwise core picks them.
      const alone = group.mode === "" && draft.changes.length === 0;
      const { change, result } = command.decide(
        alone
          ? budgetUsed === undefined
            ? draft.state
            : { ...draft.state, budgetUsed }
          : snapshotFor(draft.state, command.reads, budgetUsed),
      );
      const budget = change.budget;
      if (budget !== undefined && givesBackBudget(budget.add)) {
        // Given back after the commit; later decisions of the round do not count on it.
        const key = group.keys.budget(budget.eventId);
        draft.givebacks.set(key, addDecimalStrings(draft.givebacks.get(key) ?? "0", budget.add));
      } else if (budget !== undefined && spendsBudget(budget.add)) {
        const counter = budgets.get(group.keys.budget(budget.eventId));
        if (counter === undefined || counter.used === null) {
          throw new Error(
            `the decided change spends the budget of event ${budget.eventId}, which the command did not read`,
          );
        }
        if (!fitsBudget(usedNow(counter), budget.add, budget.limit)) {
          throw new Error(`the decided change passes the budget of event ${budget.eventId}`);
        }
        const total = addDecimalStrings(totals.get(counter.key) ?? "0", budget.add);
        totals.set(counter.key, total);
        const list = checks.get(counter.key) ?? [];
        list.push({ prefix: total, add: budget.add, limit: budget.limit });
        checks.set(counter.key, list);
        draft.spends.set(
          counter.key,
          addDecimalStrings(draft.spends.get(counter.key) ?? "0", budget.add),
        );
      }
      // The state after the change is needed only by the group's later commands.
      draft.left -= 1;
      if (draft.left > 0) draft.state = applyChange(draft.state, change);
      draft.changes.push(change);
      draft.outcomes.set(index, { status: "committed", result });
      if (requestId !== undefined) draft.own.add(requestId);
    } catch (error) {
      draft.left -= 1;
      draft.outcomes.set(index, { status: "failed", error });
    }
  }

  const plans: Plan<T>[] = [];
  for (const [group, draft] of drafts) {
    const expiryBefore = earliestExpiry(draft.base.lots);
    const merged = draft.changes.length === 0 ? null : mergeChanges(draft.changes);
    // `state` is the account before the last change, which `earliestAfter` applies.
    const last = draft.changes[draft.changes.length - 1];
    const expiryAfter =
      last === undefined ? expiryBefore : earliestAfter(draft.state.lots, last.lots);
    plans.push({
      group,
      base: draft.base,
      outcomes: draft.outcomes,
      decided: draft.changes.length,
      merged,
      ownRequestIds: [...draft.own],
      spends: draft.spends,
      givebacks: draft.givebacks,
      expiryBefore,
      lowered: lowers(expiryBefore, expiryAfter) ? expiryAfter : null,
    });
  }
  const spends: BudgetSpend[] = [];
  for (const [key, list] of checks) {
    const counter = budgets.get(key) as BudgetCounter;
    spends.push({
      counter,
      used: counter.used ?? "0",
      add: totals.get(key) ?? "0",
      // The decisions stand on any counter value that still leaves room for each addition in turn.
      fits: (used) =>
        list.every(
          (check) =>
            compareDecimalStrings(check.add, "0") <= 0 ||
            compareDecimalStrings(addDecimalStrings(used, check.prefix), check.limit) <= 0,
        ),
    });
  }
  return { plans, spends };
}
