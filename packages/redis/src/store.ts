import { randomUUID } from "node:crypto";
import type {
  AccountChange,
  AccountCommand,
  AccountReads,
  AccountSnapshot,
  CoinEvent,
  Entry,
  ExecuteOutcome,
  Lot,
  RequestRecord,
  Store,
} from "@coinage/core";
import { applyChange, CoinageError, emptySnapshot } from "@coinage/core";
import { type RedisScriptClient, ScriptRunner } from "./client.js";
import { addDecimal, compareDecimal, isZeroDecimal, subtractDecimal } from "./decimal.js";
import {
  type AccountKeys,
  decodeId,
  encodeId,
  fromOrderedMember,
  isValidPrefix,
  orderedMember,
  type ProgramKeys,
  programKeys,
} from "./keys.js";
import * as lua from "./scripts.js";

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` client (or anything with the same script commands). */
  readonly client: RedisScriptClient;
  /** First part of every key; must not contain `{` or `}`. `"coinage"` by default. */
  readonly prefix?: string;
  /** Longest wait for one Redis call before `STORE_UNAVAILABLE`; 10 000 ms by default. */
  readonly timeoutMs?: number;
  /** Longest time one `execute` keeps retrying a busy account; 15 000 ms by default. */
  readonly contentionTimeoutMs?: number;
}

/** Optimistic attempts before a command takes the account's lease. */
const OPTIMISTIC_ATTEMPTS = 3;
/** Hard bound on attempts of one command. */
const MAX_ATTEMPTS = 64;
/** How long a lease holds when its holder never drops it (a crashed process). */
const LEASE_MS = 5_000;
/** Bound on compare-and-set rounds on a budget counter. */
const MAX_BUDGET_SWAPS = 256;
/** Members copied per script call when the sweep builds its walk set. */
const SWEEP_BATCH = 500;
/** How long a sweep's walk set lives. */
const SWEEP_TTL_MS = 3_600_000;

type ReadResult =
  | { readonly kind: "replay"; readonly record: RequestRecord }
  | { readonly kind: "state"; readonly snapshot: AccountSnapshot };

type CommitResult =
  | { readonly kind: "ok" }
  | { readonly kind: "leased" }
  | { readonly kind: "conflict" }
  | { readonly kind: "exists"; readonly record: RequestRecord };

interface Reservation {
  readonly key: string;
  readonly add: string;
}

/**
 * A `Store` on Redis through ioredis. Each command commits with one Lua
 * script that checks the account version (and that its request is not
 * recorded yet) before its first write; see the package README for the key
 * layout and the persistence settings to choose.
 */
export function redisStore(options: RedisStoreOptions): Store {
  return new RedisStore(options);
}

class RedisStore implements Store {
  readonly name = "redis";
  readonly #prefix: string;
  readonly #scripts: ScriptRunner;
  readonly #contentionTimeoutMs: number;

  constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? "coinage";
    if (!isValidPrefix(prefix)) {
      throw new TypeError(
        `redisStore: prefix must be non-empty and free of "{" and "}", got ${JSON.stringify(prefix)}`,
      );
    }
    this.#prefix = prefix;
    this.#scripts = new ScriptRunner(options.client, options.timeoutMs ?? 10_000);
    this.#contentionTimeoutMs = options.contentionTimeoutMs ?? 15_000;
  }

  #keys(programId: string): ProgramKeys {
    return programKeys(this.#prefix, programId);
  }

  // Events ------------------------------------------------------------------

  async insertEvent(programId: string, event: CoinEvent): Promise<boolean> {
    const keys = this.#keys(programId);
    const reply = await this.#scripts.run(
      "insertEvent",
      lua.insertEvent,
      [keys.events, keys.eventVersions, keys.eventIds],
      [orderedMember(event.id), JSON.stringify(event), String(event.version)],
    );
    return reply === 1;
  }

  async replaceEvent(
    programId: string,
    event: CoinEvent,
    expectedVersion: number,
  ): Promise<boolean> {
    const keys = this.#keys(programId);
    const reply = await this.#scripts.run(
      "replaceEvent",
      lua.replaceEvent,
      [keys.events, keys.eventVersions],
      [
        orderedMember(event.id),
        JSON.stringify(event),
        String(event.version),
        String(expectedVersion),
      ],
    );
    return reply === 1;
  }

  async getEvent(programId: string, eventId: string): Promise<CoinEvent | null> {
    const keys = this.#keys(programId);
    const reply = await this.#scripts.run(
      "getEvent",
      lua.getField,
      [keys.events],
      [orderedMember(eventId)],
    );
    return typeof reply === "string" ? (JSON.parse(reply) as CoinEvent) : null;
  }

  async listEvents(
    programId: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<CoinEvent[]> {
    if (page.limit <= 0) return [];
    const keys = this.#keys(programId);
    const start = page.after === undefined ? "-" : `(${orderedMember(page.after)}`;
    const reply = (await this.#scripts.run(
      "listEvents",
      lua.listEvents,
      [keys.events, keys.eventIds],
      [start, page.limit],
    )) as [unknown[], unknown[]];
    return reply[1]
      .filter((json): json is string => typeof json === "string")
      .map((json) => JSON.parse(json) as CoinEvent);
  }

  // Requests, accounts, history ----------------------------------------------

  async findRequest(programId: string, requestId: string): Promise<RequestRecord | null> {
    const keys = this.#keys(programId);
    const owner = await this.#scripts.run("findRequest", lua.getValue, [keys.claim(requestId)]);
    if (typeof owner !== "string") return null;
    return this.#record(keys, decodeId(owner), requestId, "findRequest");
  }

  async #record(
    keys: ProgramKeys,
    userId: string,
    requestId: string,
    operation: string,
  ): Promise<RequestRecord | null> {
    const json = await this.#scripts.run(
      operation,
      lua.getField,
      [keys.account(userId).requests],
      [encodeId(requestId)],
    );
    return typeof json === "string" ? (JSON.parse(json) as RequestRecord) : null;
  }

  async loadAccount(
    programId: string,
    userId: string,
    reads: AccountReads,
  ): Promise<AccountSnapshot> {
    const state = await this.#read(programId, userId, reads, null, "loadAccount");
    if (state.kind === "replay") throw new Error("unreachable: no request id was asked for");
    return state.snapshot;
  }

  async history(
    programId: string,
    userId: string,
    page: { readonly limit: number; readonly beforeSeq?: number },
  ): Promise<Entry[]> {
    if (page.limit <= 0) return [];
    const account = this.#keys(programId).account(userId);
    const max = page.beforeSeq === undefined ? "+inf" : `(${page.beforeSeq}`;
    const rows = (await this.#scripts.run(
      "history",
      lua.readHistory,
      [account.entries],
      [max, page.limit],
    )) as string[];
    return rows.map((json) => JSON.parse(json) as Entry);
  }

  async getBudgetUsed(programId: string, eventId: string): Promise<string> {
    return this.#budgetUsed(this.#keys(programId), eventId, "getBudgetUsed");
  }

  async #budgetUsed(keys: ProgramKeys, eventId: string, operation: string): Promise<string> {
    const used = await this.#scripts.run(operation, lua.getValue, [keys.budget(eventId)]);
    return typeof used === "string" ? used : "0";
  }

  /** The account's snapshot in one script call (and the budget counter, in parallel, from the program's slot). */
  async #read(
    programId: string,
    userId: string,
    reads: AccountReads,
    ownRequestId: string | null,
    operation: string,
  ): Promise<ReadResult> {
    const keys = this.#keys(programId);
    const account = keys.account(userId);
    const [reply, budgetUsed] = await Promise.all([
      this.#scripts.run(
        operation,
        lua.readAccount,
        [account.head, account.lots, account.open, account.usage, account.requests],
        [
          ownRequestId === null ? "" : encodeId(ownRequestId),
          reads.usageKeys.length,
          ...reads.usageKeys.map(encodeId),
          reads.requestIds.length,
          ...reads.requestIds.map(encodeId),
          reads.lotIds.length,
          ...reads.lotIds.map(String),
        ],
      ) as Promise<unknown[]>,
      reads.budgetEventId === undefined
        ? undefined
        : this.#budgetUsed(keys, reads.budgetEventId, operation),
    ]);
    if (reply[0] === "replay")
      return { kind: "replay", record: JSON.parse(reply[1] as string) as RequestRecord };

    const [, head, lotIds, lotRows, usageRows, requestRows] = reply as [
      string,
      (string | null)[],
      string[],
      (string | null)[],
      (string | null)[],
      (string | null)[],
    ];
    const empty = emptySnapshot(userId);
    const lots = new Map<number, Lot>();
    lotIds.forEach((id, i) => {
      const json = lotRows[i];
      if (typeof json === "string" && !lots.has(Number(id)))
        lots.set(Number(id), JSON.parse(json) as Lot);
    });
    const usage: Record<string, string> = {};
    reads.usageKeys.forEach((key, i) => {
      const value = usageRows[i];
      if (typeof value === "string") usage[key] = value;
    });
    const requests: Record<string, RequestRecord> = {};
    reads.requestIds.forEach((requestId, i) => {
      const json = requestRows[i];
      if (typeof json === "string") requests[requestId] = JSON.parse(json) as RequestRecord;
    });
    const [version, debt, nextLotId, nextEntrySeq] = head;
    const snapshot: AccountSnapshot = {
      userId,
      version: version == null ? empty.version : Number(version),
      lots: [...lots.values()].sort((a, b) => a.id - b.id),
      debt: debt ?? empty.debt,
      nextLotId: nextLotId == null ? empty.nextLotId : Number(nextLotId),
      nextEntrySeq: nextEntrySeq == null ? empty.nextEntrySeq : Number(nextEntrySeq),
      usage,
      requests,
      ...(budgetUsed === undefined ? {} : { budgetUsed }),
    };
    return { kind: "state", snapshot };
  }

  // Commands ----------------------------------------------------------------

  async execute<T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>> {
    const keys = this.#keys(command.programId);
    const account = keys.account(command.userId);
    const ownRequestId = command.request?.requestId ?? null;

    if (ownRequestId !== null) {
      // Request ids are unique per program, records live per account: the
      // claim in the program's slot says which account holds (or will hold)
      // the record. It is written before the account's commit; see README.
      const me = encodeId(command.userId);
      const owner = await this.#scripts.run(
        "execute",
        lua.claimRequest,
        [keys.claim(ownRequestId)],
        [me],
      );
      if (owner !== me) {
        const record =
          typeof owner === "string"
            ? await this.#record(keys, decodeId(owner), ownRequestId, "execute")
            : null;
        if (record !== null) return { status: "replayed", record };
        throw new CoinageError(
          "IDEMPOTENCY_CONFLICT",
          { requestId: ownRequestId },
          {
            message: `The requestId ${JSON.stringify(ownRequestId)} is already taken by a command for another user.`,
          },
        );
      }
    }

    const deadline = Date.now() + this.#contentionTimeoutMs;
    let lease: string | null = null;
    try {
      for (let attempt = 1; ; attempt += 1) {
        if (lease === null && attempt > OPTIMISTIC_ATTEMPTS)
          lease = await this.#takeLease(account, deadline);

        const state = await this.#read(
          command.programId,
          command.userId,
          command.reads,
          ownRequestId,
          "execute",
        );
        if (state.kind === "replay") return { status: "replayed", record: state.record };
        const snapshot = state.snapshot;
        // May throw: nothing has been written for this attempt yet.
        const { change, result } = command.decide(snapshot);
        const expiryBefore = earliestExpiry(snapshot.lots);
        const expiryAfter = earliestExpiry(applyChange(snapshot, change).lots);

        const reservation = await this.#reserve(keys, change, snapshot, deadline);
        if (reservation === "exhausted") {
          // The budget moved since the snapshot: decide again with what is left.
          await this.#pause(attempt, deadline);
          continue;
        }

        try {
          if (expiryAfter !== null && (expiryBefore === null || expiryAfter < expiryBefore)) {
            await this.#scripts.run(
              "execute",
              lua.lowerExpiry,
              [keys.expiry],
              [orderedMember(command.userId), expiryAfter],
            );
          }
        } catch (error) {
          await this.#release(reservation);
          throw error;
        }

        // A failure here leaves the outcome unknown: keep the reservation
        // (at worst the budget under-spends) and let the caller retry.
        const outcome = await this.#commit(
          account,
          snapshot,
          change,
          ownRequestId,
          lease,
          expiryAfter,
        );

        if (outcome.kind === "ok") {
          if (expiryAfter !== expiryBefore) {
            await this.#indexExpiry(keys, command.userId, snapshot.version + 1, expiryAfter).catch(
              () => undefined,
            );
          }
          return { status: "committed", result };
        }
        await this.#release(reservation);
        if (outcome.kind === "exists") return { status: "replayed", record: outcome.record };
        if (outcome.kind === "leased") lease = null; // someone else holds (or took over) the lease
        await this.#pause(attempt, deadline);
      }
    } finally {
      if (lease !== null) {
        await this.#scripts
          .run("execute", lua.dropLease, [account.lease], [lease])
          .catch(() => undefined);
      }
    }
  }

  async #commit(
    account: AccountKeys,
    snapshot: AccountSnapshot,
    change: AccountChange,
    ownRequestId: string | null,
    lease: string | null,
    minExpiry: number | null,
  ): Promise<CommitResult> {
    const args: (string | number)[] = [
      String(snapshot.version),
      String(snapshot.version + 1),
      lease ?? "",
      ownRequestId === null ? "" : encodeId(ownRequestId),
      change.debt,
      String(change.nextLotId),
      String(change.nextEntrySeq),
      minExpiry === null ? "" : String(minExpiry),
      change.lots.length,
    ];
    for (const lot of change.lots)
      args.push(String(lot.id), JSON.stringify(lot), isZeroDecimal(lot.remaining) ? "0" : "1");
    args.push(change.entries.length);
    for (const entry of change.entries) args.push(String(entry.seq), JSON.stringify(entry));
    const usage = Object.entries(change.usage);
    args.push(usage.length);
    for (const [key, value] of usage) args.push(encodeId(key), value);
    args.push(change.requests.length);
    for (const record of change.requests)
      args.push(encodeId(record.requestId), JSON.stringify(record));

    const reply = (await this.#scripts.run(
      "execute",
      lua.commitAccount,
      [
        account.head,
        account.lots,
        account.open,
        account.entries,
        account.usage,
        account.requests,
        account.lease,
      ],
      args,
    )) as [string, string?];
    switch (reply[0]) {
      case "ok":
        return { kind: "ok" };
      case "leased":
        return { kind: "leased" };
      case "conflict":
        return { kind: "conflict" };
      case "exists":
        return { kind: "exists", record: JSON.parse(reply[1] as string) as RequestRecord };
      default:
        throw new CoinageError(
          "STORE_UNAVAILABLE",
          { operation: "execute" },
          { message: `Unexpected reply from the commit script: ${String(reply[0])}` },
        );
    }
  }

  /**
   * Reserves the change's budget on the event's counter (program slot) by
   * compare-and-set, with exact decimal arithmetic done here, never in Lua.
   * `null`: nothing to reserve. `"exhausted"`: the counter moved and the
   * decided amount no longer fits; decide again.
   */
  async #reserve(
    keys: ProgramKeys,
    change: AccountChange,
    snapshot: AccountSnapshot,
    deadline: number,
  ): Promise<Reservation | null | "exhausted"> {
    const budget = change.budget;
    if (budget === undefined || isZeroDecimal(budget.add)) return null;
    const key = keys.budget(budget.eventId);
    let used = snapshot.budgetUsed ?? (await this.#budgetUsed(keys, budget.eventId, "execute"));
    for (let round = 1; round <= MAX_BUDGET_SWAPS && Date.now() < deadline; round += 1) {
      const next = addDecimal(used, budget.add);
      if (compareDecimal(next, budget.limit) > 0 && compareDecimal(budget.add, "0") > 0)
        return "exhausted";
      const reply = (await this.#scripts.run("execute", lua.swapBudget, [key], [used, next])) as [
        number,
        string?,
      ];
      if (reply[0] === 1) return { key, add: budget.add };
      used = reply[1] ?? "0";
    }
    throw contention("the event budget counter");
  }

  /** Gives a reservation back. Best effort: a failure only under-spends the budget. */
  async #release(reservation: Reservation | null): Promise<void> {
    if (reservation === null) return;
    try {
      let used = await this.#scripts.run("execute", lua.getValue, [reservation.key]);
      for (let round = 1; round <= MAX_BUDGET_SWAPS; round += 1) {
        const current = typeof used === "string" ? used : "0";
        const reply = (await this.#scripts.run(
          "execute",
          lua.swapBudget,
          [reservation.key],
          [current, subtractDecimal(current, reservation.add)],
        )) as [number, string?];
        if (reply[0] === 1) return;
        used = reply[1];
      }
    } catch {
      // Under-spend is the documented consequence; never over-spend.
    }
  }

  async #takeLease(account: AccountKeys, deadline: number): Promise<string> {
    const token = randomUUID();
    for (let round = 1; ; round += 1) {
      const taken = await this.#scripts.run(
        "execute",
        lua.takeLease,
        [account.lease],
        [token, LEASE_MS],
      );
      if (taken === 1) return token;
      if (Date.now() >= deadline) throw contention("the account");
      await sleep(1 + Math.random() * Math.min(2 ** round, 20));
    }
  }

  async #pause(attempt: number, deadline: number): Promise<void> {
    if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline) throw contention("the account");
    await sleep(Math.random() * Math.min(2 ** attempt, 25));
  }

  async #indexExpiry(
    keys: ProgramKeys,
    userId: string,
    version: number,
    minExpiry: number | null,
  ): Promise<void> {
    await this.#scripts.run(
      "execute",
      lua.setExpiry,
      [keys.expiry, keys.expiryVersions],
      [orderedMember(userId), String(version), minExpiry === null ? "" : String(minExpiry)],
    );
  }

  // Expiry sweep ------------------------------------------------------------

  async findExpiring(
    programId: string,
    before: number,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<string[]> {
    if (page.limit <= 0) return [];
    const keys = this.#keys(programId);
    const walk = keys.sweep(before);
    let built = false;
    if (page.after === undefined) {
      await this.#buildDue(keys, before);
      built = true;
    }
    const found: string[] = [];
    let start = page.after === undefined ? "-" : `(${orderedMember(page.after)}`;
    while (found.length < page.limit) {
      const members = (await this.#scripts.run(
        "findExpiring",
        lua.walkDue,
        [walk],
        [start, page.limit],
      )) as string[] | null;
      if (members === null) {
        if (built) break;
        await this.#buildDue(keys, before);
        built = true;
        continue;
      }
      const checked = await Promise.all(members.map((member) => this.#isDue(keys, member, before)));
      members.forEach((member, i) => {
        if (checked[i] && found.length < page.limit) found.push(fromOrderedMember(member));
      });
      if (members.length < page.limit) {
        // The end of the walk: drop its set (a sweep still running with the
        // same cutoff rebuilds it when it asks for its next page).
        await this.#scripts.run("findExpiring", lua.dropKey, [walk]);
        break;
      }
      start = `(${members[members.length - 1]}`;
    }
    return found;
  }

  /** Snapshots the members due at `before` into a walk set ordered by user id, in small batches. */
  async #buildDue(keys: ProgramKeys, before: number): Promise<void> {
    const build = keys.sweepBuild(before, randomUUID());
    for (let offset = 0; ; offset += SWEEP_BATCH) {
      const copied = await this.#scripts.run(
        "findExpiring",
        lua.copyDue,
        [keys.expiry, build],
        [String(before), offset, SWEEP_BATCH, SWEEP_TTL_MS],
      );
      if (Number(copied) < SWEEP_BATCH) break;
    }
    await this.#scripts.run(
      "findExpiring",
      lua.publishDue,
      [build, keys.sweep(before)],
      [SWEEP_TTL_MS],
    );
  }

  /** Whether the account still holds an open lot expiring by `before`; repairs a stale index entry. */
  async #isDue(keys: ProgramKeys, member: string, before: number): Promise<boolean> {
    const userId = fromOrderedMember(member);
    const [version, minExpiry] = (await this.#scripts.run("findExpiring", lua.readExpiry, [
      keys.account(userId).head,
    ])) as [string | null, string | null];
    if (minExpiry != null && minExpiry !== "" && Number(minExpiry) <= before) return true;
    const expiry = minExpiry == null || minExpiry === "" ? null : Number(minExpiry);
    await this.#indexExpiry(keys, userId, Number(version ?? 0), expiry).catch(() => undefined);
    return false;
  }
}

/** The earliest expiry among open lots (remaining > 0), or `null`. */
function earliestExpiry(lots: readonly Lot[]): number | null {
  let earliest: number | null = null;
  for (const lot of lots) {
    if (lot.expiresAt === null || isZeroDecimal(lot.remaining)) continue;
    if (earliest === null || lot.expiresAt < earliest) earliest = lot.expiresAt;
  }
  return earliest;
}

function contention(what: string): CoinageError {
  return new CoinageError(
    "STORE_UNAVAILABLE",
    { operation: "execute" },
    {
      message: `Gave up waiting for ${what}: too many concurrent writers. Nothing of this command was written; retry it with the same requestId.`,
    },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
