/**
 * `memoryStore()`: a complete coinage store in process memory, for tests,
 * previews and single-process apps. Every method runs its critical section
 * synchronously (no `await` between reading and writing), so concurrent async
 * callers in one process are serialised by the event loop itself.
 * State is lost when the process exits.
 */
import {
  type AccountChange,
  type AccountCommand,
  type AccountReads,
  type AccountSnapshot,
  type BatchOutcome,
  budgetAfter,
  type CoinEvent,
  compareDecimalStrings,
  type Entry,
  type ExecuteOutcome,
  type Lot,
  type RequestRecord,
  type Store,
} from "@coinage/core";

export const DRIVER_NAME = "memory";

interface AccountState {
  version: number;
  /** Lots with coins left, including expired ones not yet swept. */
  readonly open: Map<number, Lot>;
  /** Lots with nothing left; kept for reversals that restore into them. */
  readonly closed: Map<number, Lot>;
  debt: string;
  nextLotId: number;
  nextEntrySeq: number;
  readonly entries: Entry[];
  readonly usage: Map<string, string>;
}

interface ProgramState {
  readonly events: Map<string, CoinEvent>;
  readonly requests: Map<string, RequestRecord>;
  readonly accounts: Map<string, AccountState>;
  readonly budgets: Map<string, string>;
}

export function memoryStore(): Store {
  const programs = new Map<string, ProgramState>();

  const programState = (programId: string): ProgramState => {
    let state = programs.get(programId);
    if (state === undefined) {
      state = { events: new Map(), requests: new Map(), accounts: new Map(), budgets: new Map() };
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
    const lots = new Map<number, Lot>(account?.open ?? []);
    for (const id of reads.lotIds) {
      const lot = account?.closed.get(id);
      if (lot !== undefined) lots.set(id, lot);
    }
    // Keyed by ids: no prototype, so `__proto__` or `constructor` is an ordinary key.
    const usage: Record<string, string> = Object.create(null);
    for (const key of reads.usageKeys) {
      const value = account?.usage.get(key);
      if (value !== undefined) usage[key] = value;
    }
    const requests: Record<string, RequestRecord> = Object.create(null);
    for (const id of reads.requestIds) {
      const record = program.requests.get(id);
      if (record !== undefined && record.userId === userId) requests[id] = record;
    }
    const snapshot: AccountSnapshot = {
      userId,
      version: account?.version ?? 0,
      lots: [...lots.values()].sort((a, b) => a.id - b.id),
      debt: account?.debt ?? "0",
      nextLotId: account?.nextLotId ?? 1,
      nextEntrySeq: account?.nextEntrySeq ?? 1,
      usage,
      requests,
      ...(reads.budgetEventId === undefined
        ? {}
        : { budgetUsed: program.budgets.get(reads.budgetEventId) ?? "0" }),
    };
    return structuredClone(snapshot);
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
        open: new Map(),
        closed: new Map(),
        debt: "0",
        nextLotId: 1,
        nextEntrySeq: 1,
        entries: [],
        usage: new Map(),
      };
      program.accounts.set(userId, account);
    }
    if (change.budget !== undefined && budgetUsed !== undefined) {
      program.budgets.set(change.budget.eventId, budgetUsed);
    }
    for (const lot of change.lots) {
      const copy = structuredClone(lot);
      if (compareDecimalStrings(copy.remaining, "0") > 0) {
        account.closed.delete(copy.id);
        account.open.set(copy.id, copy);
      } else {
        account.open.delete(copy.id);
        account.closed.set(copy.id, copy);
      }
    }
    for (const entry of change.entries) account.entries.push(structuredClone(entry));
    for (const [key, value] of Object.entries(change.usage)) account.usage.set(key, value);
    for (const record of change.requests)
      program.requests.set(record.requestId, structuredClone(record));
    account.debt = change.debt;
    account.nextLotId = change.nextLotId;
    account.nextEntrySeq = change.nextEntrySeq;
    account.version += 1;
  };

  const executeNow = <T>(command: AccountCommand<T>): ExecuteOutcome<T> => {
    const program = programState(command.programId);
    if (command.request !== undefined) {
      const existing = program.requests.get(command.request.requestId);
      if (existing !== undefined) return { status: "replayed", record: structuredClone(existing) };
    }
    const { change, result } = command.decide(snapshotOf(program, command.userId, command.reads));
    commit(program, command.userId, change);
    return { status: "committed", result: structuredClone(result) };
  };

  return {
    name: DRIVER_NAME,

    async insertEvent(programId, event) {
      const program = programState(programId);
      if (program.events.has(event.id)) return false;
      program.events.set(event.id, structuredClone(event));
      return true;
    },

    async replaceEvent(programId, event, expectedVersion) {
      const program = programState(programId);
      const current = program.events.get(event.id);
      if (current === undefined || current.version !== expectedVersion) return false;
      program.events.set(event.id, structuredClone(event));
      return true;
    },

    async getEvent(programId, eventId) {
      const event = programs.get(programId)?.events.get(eventId);
      return event === undefined ? null : structuredClone(event);
    },

    async listEvents(programId, page) {
      const events = [...(programs.get(programId)?.events.values() ?? [])]
        .filter((event) => page.after === undefined || event.id > page.after)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return structuredClone(events.slice(0, page.limit));
    },

    async findRequest(programId, requestId) {
      const record = programs.get(programId)?.requests.get(requestId);
      return record === undefined ? null : structuredClone(record);
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
      return structuredClone(out);
    },

    async findExpiring(programId, before, page) {
      const users: string[] = [];
      for (const [userId, account] of programs.get(programId)?.accounts ?? []) {
        if (page.after !== undefined && userId <= page.after) continue;
        for (const lot of account.open.values()) {
          if (lot.expiresAt !== null && lot.expiresAt <= before) {
            users.push(userId);
            break;
          }
        }
      }
      users.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return users.slice(0, page.limit);
    },

    async getBudgetUsed(programId, eventId) {
      return programs.get(programId)?.budgets.get(eventId) ?? "0";
    },
  };
}
