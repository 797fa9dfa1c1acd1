import { randomUUID } from "node:crypto";
import type {
  AccountChange,
  AccountCommand,
  AccountReads,
  AccountSnapshot,
  BatchOutcome,
  CoinEvent,
  Entry,
  ExecuteOutcome,
  Lot,
  RequestRecord,
  Store,
} from "@coinage/core";
import {
  addDecimalStrings,
  applyChange,
  budgetAfter,
  CoinageError,
  compareDecimalStrings,
  emptySnapshot,
  isZeroDecimalString,
  snapshotFor,
  subtractDecimalStrings,
} from "@coinage/core";
import { earliestExpiry, type MergedChange, mergeChanges, unionReads } from "./batch.js";
import { type RedisScriptClient, ScriptRunner, unavailable } from "./client.js";
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
/**
 * How long a claim's holder count outlives its last claim: far longer than
 * any call holds a claim. Once it is gone, the claim can no longer be given
 * back (it stays, as it would after a crash).
 */
const CLAIM_HOLDERS_TTL_MS = 3_600_000;

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
    const [reply, budgetUsed] = await Promise.all([
      this.#readAccount(keys.account(userId), reads, ownRequestId, operation),
      reads.budgetEventId === undefined
        ? undefined
        : this.#budgetUsed(keys, reads.budgetEventId, operation),
    ]);
    return parseAccount(reply, userId, reads, budgetUsed);
  }

  #readAccount(
    account: AccountKeys,
    reads: AccountReads,
    ownRequestId: string | null,
    operation: string,
  ): Promise<unknown[]> {
    return this.#scripts.run(
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
    ) as Promise<unknown[]>;
  }

  // Commands ----------------------------------------------------------------

  /**
   * Claims a request id for a user (program slot); answers the (encoded)
   * owner. A call that gets the claim for its user holds it until it commits
   * (then for good), or gives it back with {@link #unclaim}.
   */
  #claim(
    keys: ProgramKeys,
    requestId: string,
    userId: string,
    operation: string,
  ): Promise<unknown> {
    return this.#scripts.run(
      operation,
      lua.claimRequest,
      [keys.claim(requestId), keys.claimHolders(requestId)],
      [encodeId(userId), CLAIM_HOLDERS_TTL_MS],
    );
  }

  /**
   * Gives back the claim of a call that committed nothing (its decision
   * threw, or it failed before its commit was sent): when no other call of
   * the same user holds it, the request id is free again, for any user and
   * payload, as on a store with transactions. Best effort: a claim left
   * behind only keeps the id bound to its user, as a crash would.
   */
  async #unclaim(
    keys: ProgramKeys,
    requestId: string,
    userId: string,
    operation: string,
  ): Promise<void> {
    await this.#scripts
      .run(
        operation,
        lua.releaseClaim,
        [keys.claim(requestId), keys.claimHolders(requestId)],
        [encodeId(userId)],
      )
      .catch(() => undefined);
  }

  /**
   * A request id claimed by another user: that user's record (`replayed`),
   * or `IDEMPOTENCY_CONFLICT` while it has none.
   */
  async #foreign(
    keys: ProgramKeys,
    requestId: string,
    owner: unknown,
    operation: string,
  ): Promise<{ readonly status: "replayed"; readonly record: RequestRecord } | null> {
    const record =
      typeof owner === "string"
        ? await this.#record(keys, decodeId(owner), requestId, operation)
        : null;
    return record === null ? null : { status: "replayed", record };
  }

  async execute<T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>> {
    const keys = this.#keys(command.programId);
    const account = keys.account(command.userId);
    const ownRequestId = command.request?.requestId ?? null;
    const read = () =>
      this.#read(command.programId, command.userId, command.reads, ownRequestId, "execute");

    const deadline = Date.now() + this.#contentionTimeoutMs;
    let lease: string | null = null;
    // Whether this call holds its request id's claim, and whether a commit
    // it sent may have been applied (its reply was lost).
    let claimed = false;
    let unsure = false;
    try {
      for (let attempt = 1; ; attempt += 1) {
        if (lease === null && attempt > OPTIMISTIC_ATTEMPTS)
          lease = await this.#takeLease(account, deadline, "execute");

        let state: ReadResult;
        if (attempt === 1 && ownRequestId !== null) {
          // Request ids are unique per program, records live per account: the
          // claim in the program's slot says which account holds (or will
          // hold) the record. It is sent first, together with the account
          // read (one round trip), and settled before any commit. The read is
          // used only when the claim is ours; like every read, the commit's
          // version check validates it. See README.
          const [owner, first] = await Promise.allSettled([
            this.#claim(keys, ownRequestId, command.userId, "execute"),
            read(),
          ]);
          if (owner.status === "rejected") throw owner.reason;
          if (owner.value !== encodeId(command.userId)) {
            const replayed = await this.#foreign(keys, ownRequestId, owner.value, "execute");
            if (replayed !== null) return replayed;
            throw idempotencyConflict(ownRequestId);
          }
          claimed = true;
          if (first.status === "rejected") throw first.reason;
          state = first.value;
        } else state = await read();

        if (state.kind === "replay") return { status: "replayed", record: state.record };
        const snapshot = state.snapshot;
        // May throw: nothing has been written for this attempt yet.
        const { change, result } = command.decide(snapshot);
        const expiryBefore = earliestExpiry(snapshot.lots);
        const expiryAfter = earliestExpiry(applyChange(snapshot, change).lots);
        const lowers =
          expiryAfter !== null && (expiryBefore === null || expiryAfter < expiryBefore);

        // Program slot, at once: the budget reservation and, when the change
        // creates an earlier expiry, the lowered index entry (an entry lowered
        // for a commit that then does not happen is only early, which the
        // sweep tolerates; a missing one it could not).
        const [reserved, lowered] = await Promise.allSettled([
          this.#reserveChange(keys, change, snapshot, deadline),
          lowers ? this.#lowerExpiry(keys, command.userId, expiryAfter, "execute") : undefined,
        ]);
        if (reserved.status === "rejected") throw reserved.reason;
        const reservation = reserved.value;
        if (reservation === "exhausted") {
          // The budget moved since the snapshot: decide again with what is left.
          await this.#pause(attempt, deadline, "execute");
          continue;
        }
        if (lowered.status === "rejected") {
          await this.#release(reservation);
          throw lowered.reason;
        }

        // A failure here leaves the outcome unknown: keep the reservation
        // (at worst the budget under-spends) and the claim, and let the
        // caller retry.
        unsure = true;
        const outcome = await this.#commit(
          account,
          snapshot.version,
          snapshot.version + 1,
          change,
          ownRequestId === null ? [] : [ownRequestId],
          lease,
          expiryAfter,
          "execute",
        );

        if (outcome.kind === "ok") {
          if (expiryAfter !== expiryBefore) {
            await this.#indexExpiry(
              keys,
              command.userId,
              snapshot.version + 1,
              expiryAfter,
              "execute",
            ).catch(() => undefined);
          }
          const budget = change.budget;
          if (budget !== undefined && givesBackBudget(budget.add))
            await this.#giveBack(
              keys.budget(budget.eventId),
              budget.add,
              "execute",
              snapshot.budgetUsed,
            );
          return { status: "committed", result };
        }
        unsure = false;
        await this.#release(reservation);
        if (outcome.kind === "exists") return { status: "replayed", record: outcome.record };
        if (outcome.kind === "leased") lease = null; // someone else holds (or took over) the lease
        await this.#pause(attempt, deadline, "execute");
      }
    } catch (error) {
      // Nothing of this call was committed: the request id must not stay bound to it.
      if (claimed && !unsure && ownRequestId !== null)
        await this.#unclaim(keys, ownRequestId, command.userId, "execute");
      throw error;
    } finally {
      if (lease !== null) await this.#dropLease(account, lease, "execute");
    }
  }

  /**
   * Several commands in as few round trips as Redis allows: every claim,
   * account read and budget counter read at once; the decisions in input
   * order (each command on its account's state after the earlier ones); one
   * commit script per account, all at once. An account whose commit meets a
   * newer version is read and decided again (only those accounts).
   */
  async executeMany<T>(commands: readonly AccountCommand<T>[]): Promise<BatchOutcome<T>[]> {
    const op = "executeMany";
    if (commands.length === 0) return [];
    const outcomes: (BatchOutcome<T> | undefined)[] = new Array(commands.length).fill(undefined);
    const deadline = Date.now() + this.#contentionTimeoutMs;

    // Accounts, with their commands in input order; request ids, each claimed
    // once, for the user of its first command; budget counters, each read once.
    const groups = new Map<string, Group<T>>();
    const claims = new Map<string, Claim>();
    const budgets = new Map<string, BudgetCounter>();
    commands.forEach((command, index) => {
      const keys = this.#keys(command.programId);
      const groupKey = `${encodeId(command.programId)}:${encodeId(command.userId)}`;
      let group = groups.get(groupKey);
      if (group === undefined) {
        group = {
          userId: command.userId,
          keys,
          account: keys.account(command.userId),
          items: [],
          reads: EMPTY_READS,
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
          claim = { keys, requestId, claimant: command.userId, owner: null, failure: null };
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
      group.reads = unionReads(
        group.items.map((item) => item.command.reads),
        group.items.flatMap((item) => (item.claim === null ? [] : [item.claim.requestId])),
      );
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
    const indexing: Promise<unknown>[] = [];
    const givingBack: Promise<void>[] = [];

    try {
      // Round trip 1: the claims (sent first), the accounts, the budget counters.
      const claimList = [...claims.values()];
      const claiming = claimList.map((claim) =>
        this.#claim(claim.keys, claim.requestId, claim.claimant, op),
      );
      let round = [...groups.values()];
      const reading = this.#readGroups(round, budgets, op);
      (await Promise.allSettled(claiming)).forEach((settled, i) => {
        const claim = claimList[i] as Claim;
        if (settled.status === "fulfilled") claim.owner = settled.value;
        else claim.failure = new Failure(settled.reason);
      });
      await reading;
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

        // Decide; reserve the budgets the decisions spend, and lower the
        // expiry entries they bring forward, in one round trip. When a
        // counter moved past what the decisions fit, decide again on its
        // new value.
        let plans: Plan<T>[] = [];
        let reservations: Reservation[] = [];
        for (let swaps = 1; round.length > 0; swaps += 1) {
          const planned = planRound(round, budgets);
          const lowering = planned.plans.map((plan) =>
            plan.lowers
              ? this.#lowerExpiry(plan.group.keys, plan.group.userId, plan.expiryAfter, op)
              : undefined,
          );
          const reserving = planned.spends.map((spend) =>
            this.#reserve(spend.counter.key, spend.used, spend.add, spend.fits, deadline, op),
          );
          const [lowered, reserved] = await Promise.all([
            Promise.allSettled(lowering),
            Promise.allSettled(reserving),
          ]);
          reservations = [];
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
            await Promise.all(reservations.map((reservation) => this.#release(reservation)));
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
              for (const group of round)
                failGroup(group, contention("the event budget counter", op));
              round = [];
            }
            continue;
          }
          // An account whose earlier expiry could not be indexed does not commit.
          const dropped: Plan<T>[] = [];
          plans = planned.plans.filter((plan, i) => {
            const settled = lowered[i];
            if (settled?.status !== "rejected") return true;
            failPlan(plan, settled.reason);
            dropped.push(plan);
            return false;
          });
          await this.#releaseShares(dropped, reservations);
          break;
        }
        if (plans.length === 0) break;

        // Round trip 2: one commit per account.
        const committing = plans.map((plan) =>
          plan.merged === null
            ? Promise.resolve<CommitResult>({ kind: "ok" })
            : this.#commit(
                plan.group.account,
                plan.base.version,
                plan.base.version + plan.decided,
                plan.merged,
                plan.ownRequestIds,
                plan.group.lease,
                plan.expiryAfter,
                op,
              ),
        );
        const again: Plan<T>[] = [];
        (await Promise.allSettled(committing)).forEach((settled, i) => {
          const plan = plans[i] as Plan<T>;
          if (settled.status === "rejected") {
            // Outcome unknown: keep the reservation (at worst the budget
            // under-spends) and the claims; the caller retries with the same
            // request ids.
            for (const index of plan.outcomes.keys()) unsure.add(index);
            failPlan(plan, settled.reason);
          } else if (settled.value.kind === "ok") {
            for (const [index, outcome] of plan.outcomes) outcomes[index] = outcome;
            for (const [key, add] of plan.givebacks)
              givingBack.push(this.#giveBack(key, add, op, budgets.get(key)?.used ?? undefined));
            if (plan.merged !== null && plan.expiryAfter !== plan.expiryBefore) {
              indexing.push(
                this.#indexExpiry(
                  plan.group.keys,
                  plan.group.userId,
                  plan.base.version + plan.decided,
                  plan.expiryAfter,
                  op,
                ).catch(() => undefined),
              );
            }
          } else {
            // A newer version, another caller's lease, or a request recorded meanwhile.
            if (settled.value.kind === "leased") plan.group.lease = null;
            again.push(plan);
          }
        });
        await this.#releaseShares(again, reservations);
        if (again.length === 0) break;

        // Read the accounts that moved again, and decide again.
        round = again.map((plan) => plan.group);
        if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline) {
          for (const group of round) failGroup(group, contention("the account", op));
          break;
        }
        await sleep(Math.random() * Math.min(2 ** attempt, 25));
        if (attempt >= OPTIMISTIC_ATTEMPTS) {
          const leasing = round.map((group) =>
            group.lease === null ? this.#takeLease(group.account, deadline, op) : group.lease,
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
        await this.#readGroups(round, budgets, op);
      }

      // Request ids claimed by another user: that user's record, or a conflict.
      const resolving = foreign.map((item) => {
        const claim = item.claim as Claim;
        return this.#foreign(claim.keys, claim.requestId, claim.owner, op);
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
      commands.forEach((command, index) => {
        const requestId = command.request?.requestId;
        if (requestId === undefined) return;
        const claim = claims.get(`${encodeId(command.programId)}:${encodeId(requestId)}`);
        if (claim === undefined || command.userId !== claim.claimant) return;
        if (claim.owner !== encodeId(claim.claimant)) return;
        const nothing = outcomes[index]?.status === "failed" && !unsure.has(index);
        unused.set(claim, (unused.get(claim) ?? true) && nothing);
      });
      await Promise.all(
        [...unused]
          .filter(([, free]) => free)
          .map(([claim]) => this.#unclaim(claim.keys, claim.requestId, claim.claimant, op)),
      );
    } finally {
      await Promise.all(
        [...groups.values()].map((group) =>
          group.lease === null ? undefined : this.#dropLease(group.account, group.lease, op),
        ),
      );
      await Promise.all(indexing);
      await Promise.all(givingBack);
    }

    return outcomes.map(
      (outcome) =>
        outcome ?? {
          status: "failed",
          error: new CoinageError(
            "STORE_UNAVAILABLE",
            { operation: op },
            { message: "The batch ended without an outcome for this command." },
          ),
        },
    );
  }

  /** Reads the groups' accounts and the budget counters their commands ask for, all at once. */
  async #readGroups<T>(
    groups: readonly Group<T>[],
    budgets: ReadonlyMap<string, BudgetCounter>,
    op: string,
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
    const accounts = groups.map((group) => this.#readAccount(group.account, group.reads, null, op));
    const used = counters.map((counter) => this.#budgetUsed(counter.keys, counter.eventId, op));
    (await Promise.allSettled(accounts)).forEach((settled, i) => {
      const group = groups[i] as Group<T>;
      if (settled.status === "rejected") {
        group.base = new Failure(settled.reason);
        return;
      }
      try {
        // Asked without an own request id, the script always answers the state.
        const state = parseAccount(settled.value, group.userId, group.reads, undefined);
        if (state.kind !== "state") throw new Error("the read answered a replay");
        group.base = state.snapshot;
      } catch (error) {
        group.base = new Failure(unavailable(op, error));
      }
    });
    (await Promise.allSettled(used)).forEach((settled, i) => {
      const counter = counters[i] as BudgetCounter;
      if (settled.status === "fulfilled") {
        counter.used = settled.value;
        counter.failure = null;
      } else counter.failure = new Failure(settled.reason);
    });
  }

  /** Gives back the budget the plans reserved: their shares of each reservation, summed per counter. */
  async #releaseShares<T>(
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
        isZeroDecimalString(add) ? undefined : this.#release({ key, add }),
      ),
    );
  }

  async #commit(
    account: AccountKeys,
    version: number,
    nextVersion: number,
    change: MergedChange,
    ownRequestIds: readonly string[],
    lease: string | null,
    minExpiry: number | null,
    operation: string,
  ): Promise<CommitResult> {
    const args: (string | number)[] = [
      String(version),
      String(nextVersion),
      lease ?? "",
      ownRequestIds.map(encodeId).join(","),
      change.debt,
      String(change.nextLotId),
      String(change.nextEntrySeq),
      minExpiry === null ? "" : String(minExpiry),
      change.lots.length,
    ];
    for (const lot of change.lots)
      args.push(
        String(lot.id),
        JSON.stringify(lot),
        isZeroDecimalString(lot.remaining) ? "0" : "1",
      );
    args.push(change.entries.length);
    for (const entry of change.entries) args.push(String(entry.seq), JSON.stringify(entry));
    const usage = Object.entries(change.usage);
    args.push(usage.length);
    for (const [key, value] of usage) args.push(encodeId(key), value);
    args.push(change.requests.length);
    for (const record of change.requests)
      args.push(encodeId(record.requestId), JSON.stringify(record));

    const reply = (await this.#scripts.run(
      operation,
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
          { operation },
          { message: `Unexpected reply from the commit script: ${String(reply[0])}` },
        );
    }
  }

  /**
   * Reserves one change's budget on the event's counter. `null`: nothing to
   * reserve (a give-back is applied after the commit). `"exhausted"`: the
   * counter moved and the decided amount no longer fits; decide again.
   */
  async #reserveChange(
    keys: ProgramKeys,
    change: AccountChange,
    snapshot: AccountSnapshot,
    deadline: number,
  ): Promise<Reservation | null | "exhausted"> {
    const budget = change.budget;
    if (budget === undefined || !spendsBudget(budget.add)) return null;
    const used = snapshot.budgetUsed ?? (await this.#budgetUsed(keys, budget.eventId, "execute"));
    const reserved = await this.#reserve(
      keys.budget(budget.eventId),
      used,
      budget.add,
      (current) => fitsBudget(current, budget.add, budget.limit),
      deadline,
      "execute",
    );
    return "exhausted" in reserved ? "exhausted" : reserved;
  }

  /**
   * Adds `add` to a budget counter (program slot) by compare-and-set, with
   * exact decimal arithmetic done here, never in Lua, starting from `used`
   * (what the decisions saw). When the counter moved meanwhile, the
   * decisions still stand as long as `fits` holds for its new value;
   * otherwise answers `{ exhausted: current value }`: decide again.
   */
  async #reserve(
    key: string,
    used: string,
    add: string,
    fits: (used: string) => boolean,
    deadline: number,
    operation: string,
  ): Promise<Reservation | { readonly exhausted: string }> {
    let current = used;
    for (let round = 1; round <= MAX_BUDGET_SWAPS && Date.now() < deadline; round += 1) {
      if (!fits(current)) return { exhausted: current };
      const reply = (await this.#scripts.run(
        operation,
        lua.swapBudget,
        [key],
        [current, addDecimalStrings(current, add)],
      )) as [number, string?];
      if (reply[0] === 1) return { key, add };
      current = reply[1] ?? "0";
    }
    throw contention("the event budget counter", operation);
  }

  /** Gives a reservation back. Best effort: a failure only under-spends the budget. */
  async #release(reservation: Reservation | null): Promise<void> {
    if (reservation === null) return;
    await this.#giveBack(reservation.key, subtractDecimalStrings("0", reservation.add), "execute");
  }

  /**
   * Adds a negative `add` to a budget counter by compare-and-set, never
   * below 0: a reservation released, or coins a committed reversal gives
   * back. A reversal gives back only after its commit, so no one can spend
   * coins it then fails to take back. `used` is the counter as last read
   * (saves reading it first). Best effort: a failure only under-spends the
   * budget.
   */
  async #giveBack(key: string, add: string, operation: string, used?: string): Promise<void> {
    try {
      let seen: unknown = used ?? (await this.#scripts.run(operation, lua.getValue, [key]));
      for (let round = 1; round <= MAX_BUDGET_SWAPS; round += 1) {
        const current = typeof seen === "string" ? seen : "0";
        const reply = (await this.#scripts.run(
          operation,
          lua.swapBudget,
          [key],
          [current, budgetAfter(current, add)],
        )) as [number, string?];
        if (reply[0] === 1) return;
        seen = reply[1];
      }
    } catch {
      // Under-spend is the documented consequence; never over-spend.
    }
  }

  async #takeLease(account: AccountKeys, deadline: number, operation: string): Promise<string> {
    const token = randomUUID();
    for (let round = 1; ; round += 1) {
      const taken = await this.#scripts.run(
        operation,
        lua.takeLease,
        [account.lease],
        [token, LEASE_MS],
      );
      if (taken === 1) return token;
      if (Date.now() >= deadline) throw contention("the account", operation);
      await sleep(1 + Math.random() * Math.min(2 ** round, 20));
    }
  }

  /** Drops a lease this caller holds. Best effort: it expires by itself. */
  async #dropLease(account: AccountKeys, lease: string, operation: string): Promise<void> {
    await this.#scripts
      .run(operation, lua.dropLease, [account.lease], [lease])
      .catch(() => undefined);
  }

  async #pause(attempt: number, deadline: number, operation: string): Promise<void> {
    if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline)
      throw contention("the account", operation);
    await sleep(Math.random() * Math.min(2 ** attempt, 25));
  }

  #lowerExpiry(
    keys: ProgramKeys,
    userId: string,
    expiry: number | null,
    operation: string,
  ): Promise<unknown> {
    return this.#scripts.run(
      operation,
      lua.lowerExpiry,
      [keys.expiry],
      [orderedMember(userId), String(expiry)],
    );
  }

  async #indexExpiry(
    keys: ProgramKeys,
    userId: string,
    version: number,
    minExpiry: number | null,
    operation = "findExpiring",
  ): Promise<void> {
    await this.#scripts.run(
      operation,
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

const EMPTY_READS: AccountReads = { usageKeys: [], requestIds: [], lotIds: [] };

/** A failed read or claim, kept to fail the commands that needed it. */
class Failure {
  constructor(readonly error: unknown) {}
}

/** A request id of a batch, claimed once, for the user of its first command. */
interface Claim {
  readonly keys: ProgramKeys;
  readonly requestId: string;
  readonly claimant: string;
  /** The (encoded) user that owns the claim, once claimed. */
  owner: unknown;
  failure: Failure | null;
}

interface Item<T> {
  readonly index: number;
  readonly command: AccountCommand<T>;
  readonly claim: Claim | null;
}

/** The commands of a batch on one account, in input order. */
interface Group<T> {
  readonly userId: string;
  readonly keys: ProgramKeys;
  readonly account: AccountKeys;
  items: Item<T>[];
  /** What one read must cover for all of them. */
  reads: AccountReads;
  lease: string | null;
  /** The account as last read. */
  base: AccountSnapshot | Failure | null;
}

/** An event budget counter a batch reads. */
interface BudgetCounter {
  readonly key: string;
  readonly keys: ProgramKeys;
  readonly eventId: string;
  /** The value last read (or met by a compare-and-set). */
  used: string | null;
  failure: Failure | null;
}

/** What a batch round spends of one budget counter, and on which values of it its decisions still stand. */
interface BudgetSpend {
  readonly counter: BudgetCounter;
  readonly used: string;
  readonly add: string;
  readonly fits: (used: string) => boolean;
}

/** One account's decisions in a batch round, committed all at once or not at all. */
interface Plan<T> {
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
  readonly expiryAfter: number | null;
  readonly lowers: boolean;
}

/**
 * Decides every command of the round's accounts in input order, each on its
 * account's state after the earlier ones (`applyChange`) and on the budget
 * counters as the earlier decisions left them. Pure: writes nothing.
 */
function planRound<T>(
  round: readonly Group<T>[],
  budgets: ReadonlyMap<string, BudgetCounter>,
): { readonly plans: Plan<T>[]; readonly spends: BudgetSpend[] } {
  interface Draft {
    readonly base: AccountSnapshot;
    state: AccountSnapshot;
    readonly outcomes: Map<number, BatchOutcome<T>>;
    readonly changes: AccountChange[];
    readonly own: Set<string>;
    readonly spends: Map<string, string>;
    readonly givebacks: Map<string, string>;
  }
  const drafts = new Map<Group<T>, Draft>();
  for (const group of round) {
    const base = group.base as AccountSnapshot;
    drafts.set(group, {
      base,
      state: base,
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
    const draft = drafts.get(group) as Draft;
    const { command, index } = item;
    const requestId = command.request?.requestId;
    if (requestId !== undefined && Object.hasOwn(draft.state.requests, requestId)) {
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
      // May throw: the command fails alone.
      const { change, result } = command.decide(
        snapshotFor(draft.state, command.reads, budgetUsed),
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
      draft.state = applyChange(draft.state, change);
      draft.changes.push(change);
      draft.outcomes.set(index, { status: "committed", result });
      if (requestId !== undefined) draft.own.add(requestId);
    } catch (error) {
      draft.outcomes.set(index, { status: "failed", error });
    }
  }

  const plans: Plan<T>[] = [];
  for (const [group, draft] of drafts) {
    const expiryBefore = earliestExpiry(draft.base.lots);
    const expiryAfter = earliestExpiry(draft.state.lots);
    const merged = draft.changes.length === 0 ? null : mergeChanges(draft.changes);
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
      expiryAfter,
      lowers:
        merged !== null &&
        expiryAfter !== null &&
        (expiryBefore === null || expiryAfter < expiryBefore),
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

/** A budget change that spends (a positive add). */
function spendsBudget(add: string): boolean {
  return compareDecimalStrings(add, "0") > 0;
}

/** A budget change that gives coins back (a negative add: a reversal). */
function givesBackBudget(add: string): boolean {
  return compareDecimalStrings(add, "0") < 0;
}

/** Whether adding `add` to a counter at `used` stays within `limit` (giving back always fits). */
function fitsBudget(used: string, add: string, limit: string): boolean {
  return (
    compareDecimalStrings(add, "0") <= 0 ||
    compareDecimalStrings(addDecimalStrings(used, add), limit) <= 0
  );
}

/** A stored lot (JSON); one stored before `expired` and `shortfall` existed reads them as 0. */
function parseLot(json: string): Lot {
  return { expired: "0", shortfall: "0", ...(JSON.parse(json) as Lot) };
}

/** The read script's reply as a snapshot (or the own request's record). */
function parseAccount(
  reply: unknown[],
  userId: string,
  reads: AccountReads,
  budgetUsed: string | undefined,
): ReadResult {
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
    if (typeof json === "string" && !lots.has(Number(id))) lots.set(Number(id), parseLot(json));
  });
  // Keyed by ids: no prototype, so `__proto__` or `constructor` is an ordinary key.
  const usage: Record<string, string> = Object.create(null);
  reads.usageKeys.forEach((key, i) => {
    const value = usageRows[i];
    if (typeof value === "string") usage[key] = value;
  });
  const requests: Record<string, RequestRecord> = Object.create(null);
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

function idempotencyConflict(requestId: string): CoinageError {
  return new CoinageError(
    "IDEMPOTENCY_CONFLICT",
    { requestId },
    {
      message: `The requestId ${JSON.stringify(requestId)} is already taken by a command for another user.`,
    },
  );
}

function contention(what: string, operation: string): CoinageError {
  return new CoinageError(
    "STORE_UNAVAILABLE",
    { operation },
    {
      message: `Gave up waiting for ${what}: too many concurrent writers. Nothing of this command was written; retry it with the same requestId.`,
    },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
