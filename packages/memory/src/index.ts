/**
 * `memoryStore()`: a complete coinage store in process memory, for tests,
 * previews and single-process apps. Every method runs its critical section
 * synchronously (no `await` between reading and writing), so concurrent async
 * callers in one process are serialised by the event loop itself.
 * State is lost when the process exits.
 *
 * Records are frozen when committed and handed out as they are, never
 * copied: lots, totals, entries, request records, results and events are
 * read-only objects shared between reads. What a read builds for its caller
 * alone (a snapshot, its arrays and maps) is its own.
 */
import {
  type AccountChange,
  type AccountCommand,
  type AccountReads,
  type AccountSnapshot,
  type AccountTotals,
  addDecimalStrings,
  addTallies,
  type BatchOutcome,
  budgetAfter,
  type CoinEvent,
  compareDecimalStrings,
  EMPTY_TOTALS,
  type Entry,
  type ExecuteOutcome,
  type ExpiringAccount,
  erasedEntry,
  erasedRecord,
  type FeedItem,
  invalidInput,
  type ProgramTally,
  type RequestRecord,
  type Store,
  tallyOf,
  ZERO_TALLY,
} from "@coinage/core";
import { freezeDeep } from "./freeze.js";
import { LotIndex } from "./lots.js";
import { insertSorted, replaceSorted } from "./sorted.js";

export const DRIVER_NAME = "memory";

/** The usage counters or request records of a read that asked for none. */
const NOTHING: Readonly<Record<string, never>> = Object.freeze(Object.create(null));

interface AccountState {
  version: number;
  totals: AccountTotals;
  readonly lots: LotIndex;
  debt: string;
  nextLotId: number;
  nextEntrySeq: number;
  readonly entries: Entry[];
  readonly usage: Map<string, string>;
  /** The account's request records, by id (for an erasure to find them). */
  readonly requestIds: Set<string>;
  /** Where the account's entries stand in the program's feed (for an erasure to rewrite them). */
  readonly feedPositions: number[];
}

interface ProgramState {
  readonly events: Map<string, CoinEvent>;
  readonly requests: Map<string, RequestRecord>;
  readonly accounts: Map<string, AccountState>;
  readonly budgets: Map<string, string>;
  /**
   * The accounts holding an open lot that expires, by the earliest such
   * expiry (ties by user id): the expiry sweep reads the due ones from it
   * instead of every account.
   */
  readonly byEarliestExpiry: Earliest[];
  /**
   * The change feed: every entry committed in the program, in commit order
   * (each appended in the same synchronous step as its commit). An entry's
   * position is its index here, as a decimal string.
   */
  readonly feed: { readonly userId: string; readonly entry: Entry }[];
  /** The program's running totals: the sum of every commit's `tallyOf`. */
  tally: ProgramTally;
  /**
   * Accounts that held an open lot pending after its commit: the ones
   * `readLiability` sums pending coins over. One leaves when none of its open
   * lots activates after the read's instant (reads are never in the past).
   */
  readonly pendingAccounts: Set<string>;
  /** The latest instant a commit was decided at. */
  lastCommitAt: number;
}

interface Earliest {
  readonly expiry: number;
  readonly userId: string;
}

function compareEarliest(a: Earliest, b: Earliest): number {
  return a.expiry - b.expiry || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** The first index of `sorted` whose entry comes after `entry`. */
function firstAfter(sorted: readonly Earliest[], entry: Earliest): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareEarliest(sorted[mid] as Earliest, entry) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function memoryStore(): Store {
  const programs = new Map<string, ProgramState>();

  const programState = (programId: string): ProgramState => {
    let state = programs.get(programId);
    if (state === undefined) {
      state = {
        events: new Map(),
        requests: new Map(),
        accounts: new Map(),
        budgets: new Map(),
        byEarliestExpiry: [],
        feed: [],
        tally: ZERO_TALLY,
        pendingAccounts: new Set(),
        lastCommitAt: 0,
      };
      programs.set(programId, state);
    }
    return state;
  };

  const snapshotOf = (
    program: ProgramState,
    userId: string,
    reads: AccountReads,
  ): AccountSnapshot => {
    const account = program.accounts.get(userId);
    // Keyed by ids: no prototype, so `__proto__` or `constructor` is an ordinary key.
    let usage: Record<string, string> = NOTHING;
    if (reads.usageKeys.length > 0) {
      usage = Object.create(null);
      for (const key of reads.usageKeys) {
        const value = account?.usage.get(key);
        if (value !== undefined) usage[key] = value;
      }
    }
    let requests: Record<string, RequestRecord> = NOTHING;
    if (reads.requestIds.length > 0) {
      requests = Object.create(null);
      for (const id of reads.requestIds) {
        const record = program.requests.get(id);
        if (record !== undefined && record.userId === userId) requests[id] = record;
      }
    }
    const totals = account?.totals ?? EMPTY_TOTALS;
    const snapshot: { -readonly [K in keyof AccountSnapshot]: AccountSnapshot[K] } = {
      userId,
      version: account?.version ?? 0,
      totals,
      lots: account === undefined ? [] : account.lots.select(reads, totals.asOf),
      debt: account?.debt ?? "0",
      nextLotId: account?.nextLotId ?? 1,
      nextEntrySeq: account?.nextEntrySeq ?? 1,
      usage,
      requests,
    };
    if (reads.budgetEventId !== undefined)
      snapshot.budgetUsed = program.budgets.get(reads.budgetEventId) ?? "0";
    if (reads.eventId !== undefined)
      snapshot.eventVersion = program.events.get(reads.eventId)?.version ?? null;
    return snapshot;
  };

  const commit = (program: ProgramState, userId: string, change: AccountChange): void => {
    // A positive add spends the budget up to `limit`; a negative one gives back, down to 0.
    const budgetUsed =
      change.budget === undefined
        ? undefined
        : budgetAfter(program.budgets.get(change.budget.eventId) ?? "0", change.budget.add);
    if (change.budget !== undefined && budgetUsed !== undefined) {
      if (
        compareDecimalStrings(change.budget.add, "0") > 0 &&
        compareDecimalStrings(budgetUsed, change.budget.limit) > 0
      ) {
        throw new Error(
          `budget of event ${change.budget.eventId} would be exceeded: the decision used a stale budget`,
        );
      }
    }
    let account = program.accounts.get(userId);
    if (account === undefined) {
      account = {
        version: 0,
        totals: EMPTY_TOTALS,
        lots: new LotIndex(),
        debt: "0",
        nextLotId: 1,
        nextEntrySeq: 1,
        entries: [],
        usage: new Map(),
        requestIds: new Set(),
        feedPositions: [],
      };
      program.accounts.set(userId, account);
    }
    if (change.budget !== undefined && budgetUsed !== undefined) {
      program.budgets.set(change.budget.eventId, budgetUsed);
    }
    program.tally = addTallies(program.tally, tallyOf(account, change));
    if (change.totals.asOf > program.lastCommitAt) program.lastCommitAt = change.totals.asOf;
    const earliestBefore = account.lots.earliestExpiry();
    for (const lot of change.lots) account.lots.put(freezeDeep(lot));
    const earliestAfter = account.lots.earliestExpiry();
    const lastActivation = account.lots.lastActivation();
    if (lastActivation !== null && lastActivation > change.totals.asOf)
      program.pendingAccounts.add(userId);
    if (earliestAfter !== earliestBefore) {
      const index = program.byEarliestExpiry;
      const old = earliestBefore === null ? undefined : { expiry: earliestBefore, userId };
      const next = earliestAfter === null ? undefined : { expiry: earliestAfter, userId };
      if (old !== undefined) replaceSorted(index, old, next, compareEarliest);
      else if (next !== undefined) insertSorted(index, next, compareEarliest);
    }
    for (const entry of change.entries) {
      const frozen = freezeDeep(entry);
      account.entries.push(frozen);
      account.feedPositions.push(program.feed.length);
      program.feed.push({ userId, entry: frozen });
    }
    for (const [key, value] of Object.entries(change.usage)) account.usage.set(key, value);
    for (const record of change.requests) {
      program.requests.set(record.requestId, freezeDeep(record));
      account.requestIds.add(record.requestId);
    }
    account.totals = freezeDeep(change.totals);
    account.debt = change.debt;
    account.nextLotId = change.nextLotId;
    account.nextEntrySeq = change.nextEntrySeq;
    account.version += 1;
  };

  const executeNow = <T>(command: AccountCommand<T>): ExecuteOutcome<T> => {
    const program = programState(command.programId);
    if (command.request !== undefined) {
      const existing = program.requests.get(command.request.requestId);
      if (existing !== undefined) return { status: "replayed", record: existing };
    }
    const { change, result } = command.decide(snapshotOf(program, command.userId, command.reads));
    commit(program, command.userId, change);
    // The result is the one in the command's request record: frozen with it.
    return { status: "committed", result: freezeDeep(result) };
  };

  /** Move every row of an account to `pseudonym` (see `Store.erase`). */
  const moveAccount = (program: ProgramState, userId: string, pseudonym: string): void => {
    const account = program.accounts.get(userId);
    if (account === undefined) return;
    program.accounts.delete(userId);
    program.accounts.set(pseudonym, account);
    account.entries.forEach((entry, i) => {
      account.entries[i] = freezeDeep(erasedEntry(entry));
    });
    account.feedPositions.forEach((position, i) => {
      program.feed[position] = { userId: pseudonym, entry: account.entries[i] as Entry };
    });
    for (const requestId of account.requestIds) {
      const record = program.requests.get(requestId);
      if (record !== undefined)
        program.requests.set(requestId, freezeDeep(erasedRecord(record, pseudonym)));
    }
    const earliest = account.lots.earliestExpiry();
    if (earliest !== null) {
      replaceSorted(
        program.byEarliestExpiry,
        { expiry: earliest, userId },
        { expiry: earliest, userId: pseudonym },
        compareEarliest,
      );
    }
    if (program.pendingAccounts.delete(userId)) program.pendingAccounts.add(pseudonym);
  };

  return {
    name: DRIVER_NAME,

    async insertEvent(programId, event) {
      const program = programState(programId);
      if (program.events.has(event.id)) return false;
      program.events.set(event.id, freezeDeep(structuredClone(event)));
      return true;
    },

    async replaceEvent(programId, event, expectedVersion) {
      const program = programState(programId);
      const current = program.events.get(event.id);
      if (current === undefined || current.version !== expectedVersion) return false;
      program.events.set(event.id, freezeDeep(structuredClone(event)));
      return true;
    },

    async getEvent(programId, eventId) {
      return programs.get(programId)?.events.get(eventId) ?? null;
    },

    async listEvents(programId, page) {
      const events = [...(programs.get(programId)?.events.values() ?? [])]
        .filter((event) => page.after === undefined || event.id > page.after)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return events.slice(0, page.limit);
    },

    async findRequest(programId, requestId) {
      return programs.get(programId)?.requests.get(requestId) ?? null;
    },

    async loadAccount(programId, userId, reads) {
      return snapshotOf(programState(programId), userId, reads);
    },

    async execute<T>(command: AccountCommand<T>) {
      return executeNow(command);
    },

    async executeMany<T>(commands: readonly AccountCommand<T>[]) {
      return commands.map((command): BatchOutcome<T> => {
        try {
          return executeNow(command);
        } catch (error) {
          return { status: "failed", error };
        }
      });
    },

    async history(programId, userId, page) {
      const entries = programs.get(programId)?.accounts.get(userId)?.entries ?? [];
      const out: Entry[] = [];
      for (let i = entries.length - 1; i >= 0 && out.length < page.limit; i--) {
        const entry = entries[i] as Entry;
        if (page.beforeSeq === undefined || entry.seq < page.beforeSeq) out.push(entry);
      }
      return out;
    },

    async findExpiring(programId, before, page) {
      // The due accounts only: a prefix of the index, not every account.
      const index = programs.get(programId)?.byEarliestExpiry ?? [];
      const users: string[] = [];
      for (let i = 0; i < index.length && (index[i] as Earliest).expiry <= before; i++) {
        const { userId } = index[i] as Earliest;
        if (page.after === undefined || userId > page.after) users.push(userId);
      }
      users.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return users.slice(0, page.limit);
    },

    async listExpiring(programId, page) {
      const program = programs.get(programId);
      if (program === undefined) return [];
      const index = program.byEarliestExpiry;
      const start =
        page.after === undefined
          ? 0
          : firstAfter(index, { expiry: page.after.earliest, userId: page.after.userId });
      const out: ExpiringAccount[] = [];
      for (let i = start; i < index.length && out.length < page.limit; i++) {
        const { expiry, userId } = index[i] as Earliest;
        if (expiry > page.before) break;
        const account = program.accounts.get(userId) as AccountState;
        const { coins, next } = account.lots.expiringWithin(page.now, page.before);
        out.push({ userId, earliest: expiry, coins, next });
      }
      return out;
    },

    async readFeed(programId, page) {
      let start = 0;
      if (page.after !== undefined) {
        if (!/^(0|[1-9]\d{0,15})$/.test(page.after)) {
          throw invalidInput({
            path: "after",
            message: "expected a cursor returned by an earlier call",
          });
        }
        start = Number(page.after) + 1;
      }
      const feed = programs.get(programId)?.feed ?? [];
      const end = Math.min(feed.length, start + page.limit);
      const items: FeedItem[] = [];
      for (let i = start; i < end; i++) {
        const { userId, entry } = feed[i] as { userId: string; entry: Entry };
        items.push({ position: String(i), userId, entry });
      }
      const last = items[items.length - 1];
      return { items, next: last === undefined ? (page.after ?? null) : last.position };
    },

    async readLiability(programId, at) {
      const program = programs.get(programId);
      if (program === undefined) return { tally: ZERO_TALLY, pending: "0", due: "0" };
      let pending = "0";
      for (const userId of program.pendingAccounts) {
        const lots = (program.accounts.get(userId) as AccountState).lots;
        const last = lots.lastActivation();
        // Pending at no instant from the latest commit on (reads are never earlier): it leaves.
        if (last === null || last <= program.lastCommitAt) program.pendingAccounts.delete(userId);
        else if (last > at) pending = addDecimalStrings(pending, lots.pendingCoins(at));
      }
      // The due accounts: a prefix of the expiry index.
      let due = "0";
      const index = program.byEarliestExpiry;
      for (let i = 0; i < index.length && (index[i] as Earliest).expiry <= at; i++) {
        const account = program.accounts.get((index[i] as Earliest).userId) as AccountState;
        due = addDecimalStrings(due, account.lots.dueCoins(at));
      }
      return { tally: program.tally, pending, due };
    },

    async executeTogether<T>(commands: readonly AccountCommand<T>[]) {
      const records: Record<string, RequestRecord> = Object.create(null);
      let booked = false;
      for (const command of commands) {
        if (command.request === undefined) continue;
        const existing = programState(command.programId).requests.get(command.request.requestId);
        if (existing !== undefined) {
          records[existing.requestId] = existing;
          booked = true;
        }
      }
      if (booked) return { status: "replayed" as const, records };
      // Decide every command before committing any: a throw leaves nothing written.
      // Budgets shared by several commands are seen as the earlier ones left them.
      const accounts = new Set<string>();
      const budgets = new Map<string, string>();
      const decisions = commands.map((command) => {
        const program = programState(command.programId);
        const account = `${command.programId}\u0000${command.userId}`;
        if (accounts.has(account)) throw new Error("executeTogether takes one command per account");
        accounts.add(account);
        const snapshot = snapshotOf(program, command.userId, command.reads);
        const eventId = command.reads.budgetEventId;
        const budgetKey = eventId === undefined ? "" : `${command.programId}\u0000${eventId}`;
        const seen = budgets.get(budgetKey);
        const decision = command.decide(
          seen === undefined ? snapshot : { ...snapshot, budgetUsed: seen },
        );
        const budget = decision.change.budget;
        if (budget !== undefined) {
          const key = `${command.programId}\u0000${budget.eventId}`;
          const used = budgets.get(key) ?? program.budgets.get(budget.eventId) ?? "0";
          const after = budgetAfter(used, budget.add);
          if (
            compareDecimalStrings(budget.add, "0") > 0 &&
            compareDecimalStrings(after, budget.limit) > 0
          )
            throw new Error(`budget of event ${budget.eventId} would be exceeded`);
          budgets.set(key, after);
        }
        return decision;
      });
      decisions.forEach(({ change }, i) => {
        const command = commands[i] as AccountCommand<T>;
        commit(programState(command.programId), command.userId, change);
      });
      return {
        status: "committed" as const,
        results: decisions.map(({ result }) => freezeDeep(result)),
      };
    },

    async erase<T>(command: AccountCommand<T>, pseudonym: string) {
      const program = programState(command.programId);
      const { change, result } = command.decide(snapshotOf(program, command.userId, command.reads));
      commit(program, command.userId, change);
      moveAccount(program, command.userId, pseudonym);
      return freezeDeep(result);
    },

    async getBudgetUsed(programId, eventId) {
      return programs.get(programId)?.budgets.get(eventId) ?? "0";
    },
  };
}
