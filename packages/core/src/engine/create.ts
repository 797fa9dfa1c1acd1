/**
 * `createCoinage`: the engine. It validates input, asks the rules and the
 * ledger to decide, and hands each decision to the store to commit
 * atomically. It holds no state of its own besides its configuration.
 */
import { CoinageError, invalidInput } from "../errors.js";
import { dateTime, readField, readList, unreadable } from "../input.js";
import { balanceAt } from "../ledger/balance.js";
import { canonicalJson } from "../ledger/fingerprint.js";
import type { RequestRecord } from "../ledger/types.js";
import { Dec } from "../money/decimal.js";
import { parseProgram } from "../program.js";
import { eventActivity } from "../rules/eligibility.js";
import { freezeDeep, parseEvent, parseEventPatch } from "../rules/parse.js";
import { previewReward } from "../rules/reward.js";
import type { CoinEvent } from "../rules/types.js";
import type { AccountCommand, ExecuteOutcome, Store } from "../store.js";
import { formatInstant } from "../time/instant.js";
import { adjustmentCommand } from "./adjust.js";
import { balanceInThePast } from "./balance-at.js";
import {
  allocationCommand,
  forfeitCommand,
  readsAt,
  redemptionCommand,
  reversalCommand,
  StaleEvent,
  sweepCommand,
  usageFrom,
  usageKeyMemo,
  type ValidAllocation,
  validateAllocation,
  validateReversal,
} from "./commands.js";
import { readFeed } from "./feed.js";
import { coinText, formatBalance, formatEntry, formatLevel, formatRequest } from "./format.js";
import type { CallEnd, Instrumentation } from "./instrumentation.js";
import { levelKeysAt, standingFrom } from "./level-counters.js";
import { formatLiability, liabilityInstant } from "./liability.js";
import { validateReferral } from "./referral.js";
import { withoutTerms } from "./refund.js";
import type {
  AllocationResult,
  BulkItemResult,
  Clock,
  Coinage,
  CoinageOptions,
  Page,
  ReferralResult,
} from "./types.js";
import {
  asCoinageError,
  MAX_BULK_ITEMS,
  optionalInstant,
  optionalSettings,
  pageLimit,
  requireId,
  requireRecord,
} from "./validate.js";

const systemClock: Clock = { now: () => new Date() };

/** 128 random bits as hex, from the Web Crypto API (Node 20+ and browsers). */
function randomToken(): string {
  const crypto = (globalThis as { crypto?: { getRandomValues(array: Uint8Array): Uint8Array } })
    .crypto;
  if (crypto === undefined)
    throw new Error("no Web Crypto API (globalThis.crypto) to draw a pseudonym");
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** A cursor of `expiring()`: the last account's earliest expiry and user id. */
function expiringCursor(cursor: unknown): { earliest: number; userId: string } {
  const match = typeof cursor === "string" ? /^(-?\d{1,16}):(.+)$/s.exec(cursor) : null;
  if (match === null) {
    throw invalidInput({
      path: "cursor",
      message: "expected a cursor returned by an earlier page",
    });
  }
  return { earliest: Number(match[1]), userId: requireId(match[2], "cursor") };
}
const EVENT_UPDATE_ATTEMPTS = 5;
const SWEEP_BATCH = 100;
const KNOWN_EVENTS_LIMIT = 1000;

/**
 * The engine over one store and one program. Every method fails only with a
 * `CoinageError`: the caller's input as `INVALID_INPUT` (an input that
 * cannot be read included), the store's outages as `STORE_UNAVAILABLE`, and
 * anything else as `INTERNAL`.
 */
/** Two versions of an event define the same thing (everything but the version is equal). */
function sameDefinition(a: CoinEvent, b: CoinEvent): boolean {
  return canonicalJson({ ...a, version: 0 }) === canonicalJson({ ...b, version: 0 });
}

export function createCoinage(options: CoinageOptions): Coinage {
  if (options === null || typeof options !== "object") {
    throw invalidInput({ path: "options", message: "expected an object" });
  }
  // The store and the clock are objects with methods: read, never copied.
  const store = readField(options, "store", "options.store") as Store;
  if (
    store === null ||
    typeof store !== "object" ||
    typeof readField(store, "execute", "options.store") !== "function"
  ) {
    throw invalidInput({ path: "options.store", message: "expected a Store" });
  }
  const program = parseProgram(readField(options, "program", "options.program"));
  const clock = (readField(options, "clock", "options.clock") as Clock | undefined) ?? systemClock;
  const programId = program.id;
  const instrumentation = readField(options, "instrumentation", "options.instrumentation") as
    | Instrumentation
    | undefined;
  if (
    instrumentation !== undefined &&
    (instrumentation === null || typeof instrumentation.onCall !== "function")
  ) {
    throw invalidInput({
      path: "options.instrumentation",
      message: "expected an object with an onCall method",
    });
  }
  const observe = observerOf(instrumentation, programId, store.name);

  const now = (): Date => {
    let value: unknown;
    try {
      value = clock.now();
    } catch (error) {
      throw unreadable("clock.now()", error);
    }
    const time = dateTime(value);
    if (time === undefined || Number.isNaN(time)) {
      throw invalidInput({ path: "clock.now()", message: "the clock returned an invalid Date" });
    }
    return new Date(time);
  };

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asCoinageError(operation, error);
    }
  }

  /**
   * Stores hand back a fresh object per read. Every update bumps `version`,
   * so an event with a known id and version is the object seen before: reuse
   * it, and the rules' per-event preparation is done once, not per allocation.
   * A remembered event is frozen, so what was prepared from it stays true.
   */
  const knownEvents = new Map<string, CoinEvent>();
  const usageKeys = usageKeyMemo(program);
  function remember(event: CoinEvent): CoinEvent {
    const known = knownEvents.get(event.id);
    if (known !== undefined && known.version === event.version) return known;
    freezeDeep(event);
    knownEvents.delete(event.id);
    knownEvents.set(event.id, event);
    if (knownEvents.size > KNOWN_EVENTS_LIMIT) {
      const oldest = knownEvents.keys().next().value;
      if (oldest !== undefined) knownEvents.delete(oldest);
    }
    return event;
  }

  async function loadEvent(eventId: string): Promise<CoinEvent> {
    const event = await call("getEvent", () => store.getEvent(programId, eventId));
    if (event === null) throw new CoinageError("EVENT_NOT_FOUND", { eventId });
    return remember(event);
  }

  /** The first result of an earlier request with this id and payload; a conflict otherwise. */
  function replay<T>(record: RequestRecord, print: string): T {
    if (record.fingerprint !== print) {
      throw new CoinageError("IDEMPOTENCY_CONFLICT", { requestId: record.requestId });
    }
    const first = withoutTerms(record.result);
    // The first call's result, marked as the answer to a repeat.
    return (
      typeof first === "object" && first !== null ? { ...first, replayed: true } : first
    ) as T;
  }

  /**
   * Execute a command: its result, or the first result of the request it
   * replays. Runs inside a public method, whose wrapper (see
   * `failingAsCoinageErrors`) turns what the store throws into a
   * `CoinageError` under the method's name.
   */
  async function run<T>(command: AccountCommand<T>): Promise<T> {
    const outcome: ExecuteOutcome<T> = await store.execute(command);
    if (outcome.status === "replayed")
      return replay<T>(outcome.record, command.request?.fingerprint ?? "");
    return outcome.result;
  }

  /**
   * When a request cannot even be built (its event is gone or paused, the
   * request it reverses is unknown), an earlier identical request may still
   * have been booked: a retry must get that first result, not an error.
   */
  async function replayOr<T>(requestId: string, print: string, error: unknown): Promise<T> {
    if (!(error instanceof CoinageError) || error.code === "INVALID_INPUT") throw error;
    const earlier = await call("findRequest", () => store.findRequest(programId, requestId));
    if (earlier === null) throw error;
    return replay<T>(earlier, print);
  }

  /**
   * Whether the store's snapshots report event versions: unknown until one
   * says. While they do, an allocation from an event this engine has seen
   * reads no event: it decides with the remembered copy, and the store's
   * snapshot confirms that copy is still the stored version.
   */
  let storeReportsEvents: boolean | undefined;

  /** The remembered event, when an allocation may be built from it without reading it. */
  function rememberedEvent(eventId: string, at: Date): CoinEvent | undefined {
    if (storeReportsEvents === false) return undefined;
    const event = knownEvents.get(eventId);
    // An inactive copy is read again: the stored event may have been resumed.
    return event !== undefined && eventActivity(event, at) === null ? event : undefined;
  }

  /**
   * Allocate with the remembered event, or after reading it; a remembered
   * copy the store says is stale is dropped and the event read.
   */
  async function allocateFrom(valid: ValidAllocation, at: Date): Promise<AllocationResult> {
    const remembered = rememberedEvent(valid.eventId, at);
    if (remembered !== undefined) {
      try {
        return await run(
          allocationCommand(program, remembered, valid, at, usageKeys(remembered.id, at), true),
        );
      } catch (error) {
        if (!(error instanceof StaleEvent)) throw error;
        if (error.stored === undefined) storeReportsEvents = false;
        else storeReportsEvents = true;
        if (knownEvents.get(valid.eventId) === remembered) knownEvents.delete(valid.eventId);
      }
    }
    let command: AccountCommand<AllocationResult>;
    try {
      command = await prepareAllocation(valid, at);
    } catch (error) {
      return replayOr(valid.requestId, valid.fingerprint, error);
    }
    return run(command);
  }

  async function prepareAllocation(
    input: ValidAllocation,
    at: Date,
  ): Promise<AccountCommand<AllocationResult>> {
    const event = await loadEvent(input.eventId);
    const inactive = eventActivity(event, at);
    if (inactive !== null) {
      throw new CoinageError("EVENT_INACTIVE", { eventId: event.id, reason: inactive });
    }
    return allocationCommand(program, event, input, at, usageKeys(event.id, at));
  }

  const events: Coinage["events"] = failingAsCoinageErrors(
    "events.",
    {
      async create(input) {
        const record = requireRecord(input, "event", "");
        const event = parseEvent({ ...record, version: 1 });
        const inserted = await call("insertEvent", () => store.insertEvent(programId, event));
        if (!inserted) {
          // A retry of the same create (the first answer was lost) gets the event back.
          const stored = await call("getEvent", () => store.getEvent(programId, event.id));
          if (stored === null || canonicalJson(stored) !== canonicalJson(event)) {
            throw new CoinageError("EVENT_EXISTS", { eventId: event.id });
          }
          return freezeDeep(stored);
        }
        return event;
      },
      async upsert(input) {
        const record = requireRecord(input, "event", "");
        const wanted = parseEvent({ ...record, version: 1 });
        for (let attempt = 0; attempt < EVENT_UPDATE_ATTEMPTS; attempt++) {
          const stored = await call("getEvent", () => store.getEvent(programId, wanted.id));
          if (stored === null) {
            if (await call("insertEvent", () => store.insertEvent(programId, wanted)))
              return { event: wanted, status: "created" as const };
            continue; // created meanwhile: compare with that one
          }
          const next = parseEvent({ ...record, version: stored.version + 1 });
          if (sameDefinition(stored, next))
            return { event: freezeDeep(stored), status: "unchanged" };
          if (await call("replaceEvent", () => store.replaceEvent(programId, next, stored.version)))
            return { event: next, status: "updated" };
        }
        const latest = await loadEvent(wanted.id);
        throw new CoinageError("VERSION_CONFLICT", {
          eventId: wanted.id,
          expectedVersion: latest.version - 1,
          actualVersion: latest.version,
        });
      },
      async get(eventId) {
        const id = requireId(eventId, "eventId");
        const event = await call("getEvent", () => store.getEvent(programId, id));
        if (event === null) throw new CoinageError("EVENT_NOT_FOUND", { eventId: id });
        return freezeDeep(event);
      },
      async update(eventId, patchInput, updateOptions) {
        const id = requireId(eventId, "eventId");
        const patch = requireRecord(patchInput, "patch", "");
        const expected = optionalSettings(updateOptions, "options").expectedVersion;
        if (
          expected !== undefined &&
          (typeof expected !== "number" || !Number.isInteger(expected) || expected < 1)
        ) {
          throw invalidInput({ path: "expectedVersion", message: "expected a positive integer" });
        }
        // Nothing to change (no field, or only fields left undefined): no write, no new version.
        const empty = Object.values(patch).every((value) => value === undefined);
        for (let attempt = 0; attempt < EVENT_UPDATE_ATTEMPTS; attempt++) {
          const current = await loadEvent(id);
          if (expected !== undefined && current.version !== expected) {
            throw new CoinageError("VERSION_CONFLICT", {
              eventId: id,
              expectedVersion: expected,
              actualVersion: current.version,
            });
          }
          if (empty) return current;
          const next = parseEventPatch(current, patch);
          if (
            await call("replaceEvent", () => store.replaceEvent(programId, next, current.version))
          )
            return next;
          if (expected !== undefined) {
            const latest = await loadEvent(id);
            throw new CoinageError("VERSION_CONFLICT", {
              eventId: id,
              expectedVersion: expected,
              actualVersion: latest.version,
            });
          }
        }
        const latest = await loadEvent(id);
        throw new CoinageError("VERSION_CONFLICT", {
          eventId: id,
          expectedVersion: latest.version - 1,
          actualVersion: latest.version,
        });
      },
      async list(listOptions) {
        const settings = optionalSettings(listOptions, "options");
        const limit = pageLimit(settings.limit, "limit", 50);
        // A cursor is the id of the last event of a page: it is checked as every id is.
        const cursor =
          settings.cursor === undefined ? undefined : requireId(settings.cursor, "cursor");
        const rows = await call("listEvents", () =>
          store.listEvents(
            programId,
            cursor === undefined ? { limit: limit + 1 } : { limit: limit + 1, after: cursor },
          ),
        );
        const items = rows.slice(0, limit).map(freezeDeep);
        return {
          items,
          nextCursor:
            rows.length > limit ? ((items[items.length - 1] as CoinEvent).id ?? null) : null,
        };
      },
    },
    observe,
  );

  const coinage: Omit<Coinage, "withTransaction"> = failingAsCoinageErrors(
    "",
    {
      program,
      events,

      async preview(input) {
        const valid = validateAllocation(
          { ...requireRecord(input, "preview"), requestId: "preview" } as never,
          "preview",
        );
        const at = now();
        const event = await loadEvent(valid.eventId);
        const keyed = usageKeys(event.id, at);
        const levelKeys =
          program.levels === undefined ? [] : levelKeysAt(program.levels, at, program);
        const keys = [...keyed.map((k) => k.key), ...levelKeys];
        const snapshot = await call("loadAccount", () =>
          store.loadAccount(programId, valid.userId, {
            at: at.getTime(),
            usageKeys: keys,
            requestIds: [],
            lotIds: [],
            ...(event.caps?.budget === undefined ? {} : { budgetEventId: event.id }),
          }),
        );
        const level =
          levelKeys.length === 0 || program.levels === undefined
            ? null
            : standingFrom(program.levels, snapshot.usage, levelKeys).level;
        const preview = previewReward(
          event,
          {
            ...(valid.amount === undefined ? {} : { amount: valid.amount.toFixed() }),
            ...(level === null ? {} : { level }),
          },
          program,
          at,
          usageFrom(snapshot, event, keyed),
        );
        const earning = new Dec(preview.coins).gt(0);
        return {
          userId: valid.userId,
          event: event.id,
          coins: preview.coins,
          earnedAt: at.toISOString(),
          availableAt: earning ? preview.availableAt : null,
          expiresAt: earning ? preview.expiresAt : null,
          ...(preview.ineligible === undefined ? {} : { ineligible: preview.ineligible }),
          breakdown: preview.breakdown,
        };
      },

      async allocate(input) {
        return allocateFrom(validateAllocation(input), now());
      },

      async allocateMany(itemsInput) {
        const inputs = readList(itemsInput, "items");
        if (inputs === undefined)
          throw invalidInput({ path: "items", message: "expected an array" });
        if (inputs.length > MAX_BULK_ITEMS) {
          throw invalidInput({
            path: "items",
            message: `at most ${MAX_BULK_ITEMS} items per call`,
          });
        }
        const at = now();
        const results: (BulkItemResult | undefined)[] = new Array(inputs.length);
        const commands: AccountCommand<AllocationResult>[] = [];
        const positions: number[] = [];
        const prints: string[] = [];
        const eventCache = new Map<string, Promise<CoinEvent>>();
        for (let i = 0; i < inputs.length; i++) {
          let valid: ValidAllocation | undefined;
          try {
            valid = validateAllocation(inputs[i] as never, `items[${i}]`);
            const eventId = valid.eventId;
            if (!eventCache.has(eventId)) eventCache.set(eventId, loadEvent(eventId));
            const event = await (eventCache.get(eventId) as Promise<CoinEvent>);
            const inactive = eventActivity(event, at);
            if (inactive !== null) {
              throw new CoinageError("EVENT_INACTIVE", { eventId: event.id, reason: inactive });
            }
            commands.push(allocationCommand(program, event, valid, at, usageKeys(event.id, at)));
            positions.push(i);
            prints.push(valid.fingerprint);
          } catch (error) {
            if (valid === undefined) {
              results[i] = failure(error);
              continue;
            }
            try {
              results[i] = {
                ok: true,
                replayed: true,
                result: await replayOr<AllocationResult>(valid.requestId, valid.fingerprint, error),
              };
            } catch (final) {
              results[i] = failure(final);
            }
          }
        }
        if (commands.length > 0) {
          const outcomes =
            store.executeMany === undefined
              ? await sequential(commands)
              : await call("allocateMany", () =>
                  (store.executeMany as NonNullable<Store["executeMany"]>)(commands),
                );
          outcomes.forEach((outcome, k) => {
            const position = positions[k] as number;
            if (outcome.status === "committed")
              results[position] = { ok: true, replayed: false, result: outcome.result };
            else if (outcome.status === "replayed") {
              try {
                results[position] = {
                  ok: true,
                  replayed: true,
                  result: replay(outcome.record, prints[k] as string),
                };
              } catch (error) {
                results[position] = failure(error);
              }
            } else results[position] = failure(asCoinageError("allocateMany", outcome.error));
          });
        }
        return results as BulkItemResult[];
      },

      redeem(input) {
        return run(redemptionCommand(program, input, now()));
      },

      async reverse(input) {
        const valid = validateReversal(program, input);
        const at = now();
        let command: AccountCommand<Awaited<ReturnType<Coinage["reverse"]>>>;
        try {
          const original = await call("findRequest", () => store.findRequest(programId, valid.of));
          if (original === null)
            throw new CoinageError("REQUEST_NOT_FOUND", { requestId: valid.of });
          command = reversalCommand(program, valid, original, at);
        } catch (error) {
          return replayOr(valid.requestId, valid.fingerprint, error);
        }
        return run(command);
      },

      adjust(input) {
        return run(adjustmentCommand(program, input, now()));
      },

      async request(requestId) {
        const id = requireId(requestId, "requestId");
        const record = await call("findRequest", () => store.findRequest(programId, id));
        if (record === null) throw new CoinageError("REQUEST_NOT_FOUND", { requestId: id });
        return formatRequest(program, record);
      },

      async referral(input) {
        const valid = validateReferral(input);
        const together =
          typeof store.executeTogether === "function"
            ? store.executeTogether.bind(store)
            : undefined;
        if (together === undefined) {
          throw invalidInput({
            path: "store",
            message: `the ${store.name} store cannot book several accounts together (it has no executeTogether)`,
          });
        }
        const at = now();
        const answer = (records: Readonly<Record<string, RequestRecord>>): ReferralResult => {
          const first = records[valid.referrer.requestId];
          const second = records[valid.referee.requestId];
          if (first === undefined || second === undefined) {
            const taken = first === undefined ? valid.referee.requestId : valid.requestId;
            throw new CoinageError("IDEMPOTENCY_CONFLICT", { requestId: taken });
          }
          return {
            requestId: valid.requestId,
            referrer: replay<AllocationResult>(first, valid.fingerprint),
            referee: replay<AllocationResult>(second, valid.fingerprint),
            replayed: true,
          };
        };
        let commands: AccountCommand<AllocationResult>[];
        try {
          commands = await Promise.all([
            prepareAllocation(valid.referrer, at),
            prepareAllocation(valid.referee, at),
          ]);
        } catch (error) {
          // An event gone or paused since: a referral booked before still answers.
          if (!(error instanceof CoinageError) || error.code === "INVALID_INPUT") throw error;
          const found = await Promise.all(
            [valid.referrer.requestId, valid.referee.requestId].map((id) =>
              call("findRequest", () => store.findRequest(programId, id)),
            ),
          );
          if (found.every((record) => record === null)) throw error;
          return answer(
            Object.fromEntries(
              found.filter((r): r is RequestRecord => r !== null).map((r) => [r.requestId, r]),
            ),
          );
        }
        const outcome = await call("executeTogether", () => together(commands));
        if (outcome.status === "replayed") return answer(outcome.records);
        const [referrer, referee] = outcome.results as [AllocationResult, AllocationResult];
        return { requestId: valid.requestId, referrer, referee, replayed: false };
      },

      async erase(userId) {
        const id = requireId(userId, "userId");
        const erase = typeof store.erase === "function" ? store.erase.bind(store) : undefined;
        if (erase === undefined) {
          throw invalidInput({
            path: "store",
            message: `the ${store.name} store cannot erase accounts (it has no erase)`,
          });
        }
        const at = now();
        const pseudonym = `erased-${randomToken()}`;
        const command = forfeitCommand(program, id, at);
        const result = await call("erase", () => erase(command, pseudonym));
        return { pseudonym, ...result, erasedAt: formatInstant(at.getTime()) };
      },

      async liability(liabilityOptions) {
        const settings = optionalSettings(liabilityOptions, "options");
        const at = liabilityInstant(optionalInstant(settings.at, "at"), now().getTime());
        const read = store.readLiability;
        if (typeof read !== "function") {
          throw invalidInput({
            path: "store",
            message: `the ${store.name} store keeps no liability totals (it has no readLiability)`,
          });
        }
        const figures = await call("readLiability", () => read.call(store, programId, at));
        return formatLiability(program, figures, at);
      },

      async level(userId) {
        const id = requireId(userId, "userId");
        const levels = program.levels;
        if (levels === undefined)
          throw invalidInput({
            path: "program.levels",
            message: "the program has no member levels",
          });
        const at = now();
        const keys = levelKeysAt(levels, at, program);
        const snapshot = await call("loadAccount", () =>
          store.loadAccount(programId, id, { ...readsAt(at.getTime()), usageKeys: keys }),
        );
        return formatLevel(
          program,
          id,
          levels,
          standingFrom(levels, snapshot.usage, keys),
          keys,
          at,
        );
      },

      async balance(userId, balanceOptions) {
        const id = requireId(userId, "userId");
        const asked = optionalInstant(optionalSettings(balanceOptions, "options").at, "at");
        const current = now().getTime();
        const instant = asked?.getTime() ?? current;
        if (instant < current) {
          // As it stood then, from the history (see `balance-at.ts`).
          const figures = await balanceInThePast(
            {
              loadAccount: (reads) =>
                call("loadAccount", () => store.loadAccount(programId, id, reads)),
              history: (page) => call("history", () => store.history(programId, id, page)),
            },
            instant,
          );
          return formatBalance(program, id, figures, instant);
        }
        // Now, or ahead: what it will be with nothing else happening.
        const snapshot = await call("loadAccount", () =>
          store.loadAccount(programId, id, readsAt(instant)),
        );
        return formatBalance(program, id, balanceAt(snapshot, instant), instant);
      },

      async history(userId, historyOptions) {
        const id = requireId(userId, "userId");
        const settings = optionalSettings(historyOptions, "options");
        const limit = pageLimit(settings.limit, "limit", 50);
        const cursor = settings.cursor;
        let beforeSeq: number | undefined;
        if (cursor !== undefined) {
          if (typeof cursor !== "string" || !/^[1-9]\d{0,14}$/.test(cursor)) {
            throw invalidInput({
              path: "cursor",
              message: "expected a cursor returned by an earlier page",
            });
          }
          beforeSeq = Number(cursor);
        }
        const rows = await call("history", () =>
          store.history(
            programId,
            id,
            beforeSeq === undefined ? { limit: limit + 1 } : { limit: limit + 1, beforeSeq },
          ),
        );
        const items = rows.slice(0, limit).map(formatEntry);
        const last = items[items.length - 1];
        const page: Page<(typeof items)[number]> = {
          items,
          nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null,
        };
        return page;
      },

      async expire(expireOptions) {
        const at = now();
        const settings = optionalSettings(expireOptions, "options");
        const before = optionalInstant(settings.before, "before");
        const batchSize = pageLimit(settings.batchSize, "batchSize", SWEEP_BATCH);
        if (before !== undefined && before.getTime() > at.getTime()) {
          // Nothing expires ahead of time: a later instant could only be clamped to now.
          throw invalidInput({
            path: "before",
            message: `must not be later than now (${at.toISOString()}); lots are expired only once their expiry has passed`,
          });
        }
        const cutoff = before?.getTime() ?? at.getTime();
        let accounts = 0;
        let lots = 0;
        let coins = new Dec(0);
        let after: string | undefined;
        for (;;) {
          const users = await call("findExpiring", () =>
            store.findExpiring(
              programId,
              cutoff,
              after === undefined ? { limit: batchSize } : { limit: batchSize, after },
            ),
          );
          for (const userId of users) {
            const result = await run(sweepCommand(program, userId, at, cutoff));
            if (result.lots > 0) {
              accounts += 1;
              lots += result.lots;
              coins = coins.plus(result.coins);
            }
          }
          if (users.length < batchSize) break;
          after = users[users.length - 1];
        }
        return { accounts, lots, coins: coinText(coins, program) };
      },

      async expiring(expiringOptions) {
        const at = now().getTime();
        const settings = requireRecord(expiringOptions, "options", "");
        const before = optionalInstant(settings.before, "before");
        if (before === undefined)
          throw invalidInput({ path: "before", message: "expected a Date" });
        const limit = pageLimit(settings.limit, "limit", 50);
        const after = settings.cursor === undefined ? undefined : expiringCursor(settings.cursor);
        const list = store.listExpiring;
        if (typeof list !== "function") {
          throw invalidInput({
            path: "store",
            message: `the ${store.name} store cannot list expiring coins (it has no listExpiring)`,
          });
        }
        const rows = await call("listExpiring", () =>
          list.call(store, programId, {
            now: at,
            before: before.getTime(),
            limit,
            ...(after === undefined ? {} : { after }),
          }),
        );
        const items = [];
        for (const row of rows) {
          if (row.next === null || !new Dec(row.coins).gt(0)) continue;
          items.push({
            userId: row.userId,
            coins: coinText(new Dec(row.coins), program),
            earliest: formatInstant(row.next),
          });
        }
        const last = rows[rows.length - 1];
        return {
          items,
          nextCursor:
            rows.length >= limit && last !== undefined ? `${last.earliest}:${last.userId}` : null,
        };
      },

      feed(feedOptions) {
        return readFeed(store, programId, feedOptions, call);
      },
    },
    observe,
  );

  async function sequential<T>(commands: readonly AccountCommand<T>[]) {
    const outcomes: ({ status: "failed"; error: unknown } | ExecuteOutcome<T>)[] = [];
    for (const command of commands) {
      try {
        outcomes.push(await store.execute(command));
      } catch (error) {
        outcomes.push({ status: "failed", error });
      }
    }
    return outcomes;
  }

  return {
    ...coinage,
    /**
     * This engine over the store joined to the caller's open transaction `tx`
     * (see `Store.withTransaction`). Stores that cannot join one (memory,
     * Redis) refuse with `INVALID_INPUT`.
     */
    withTransaction(tx: unknown): Coinage {
      if (typeof store.withTransaction !== "function") {
        throw invalidInput({
          path: "store",
          message: `the ${store.name} store cannot join a caller's transaction; withTransaction needs a SQL store such as @coinage/postgres`,
        });
      }
      return createCoinage({
        store: store.withTransaction(tx),
        program,
        clock,
        ...(instrumentation === undefined ? {} : { instrumentation }),
      });
    },
  };
}

/**
 * `methods` with every method failing only with a `CoinageError`: what is
 * not one already becomes `INTERNAL` (see `asCoinageError`).
 */
function failingAsCoinageErrors<T extends object>(
  scope: string,
  methods: T,
  observe?: Observer,
): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    const operation = `${scope}${name}`;
    out[name] =
      observe === undefined
        ? async (...args: unknown[]) => {
            try {
              return await method(...args);
            } catch (error) {
              throw asCoinageError(operation, error);
            }
          }
        : async (...args: unknown[]) => {
            const ended = observe(operation);
            const started = elapsedClock();
            try {
              const result = await method(...args);
              ended?.(callEnd(result, started));
              return result;
            } catch (error) {
              const failure = asCoinageError(operation, error);
              ended?.({
                outcome: "error",
                code: failure.code,
                durationMs: elapsedClock() - started,
              });
              throw failure;
            }
          };
  }
  return out as T;
}

/** A monotonic clock for durations where there is one (browsers, Node), else the wall clock. */
const monotonic = (globalThis as { performance?: { now(): number } }).performance;
function elapsedClock(): number {
  return monotonic === undefined ? Date.now() : monotonic.now();
}

/** Starts observing one call; answers what to call when it has ended (never throws). */
type Observer = (operation: string) => ((end: CallEnd) => void) | undefined;

function observerOf(
  instrumentation: Instrumentation | undefined,
  programId: string,
  store: string,
): Observer | undefined {
  if (instrumentation === undefined) return undefined;
  const quietly =
    <A>(fn: (arg: A) => void) =>
    (arg: A) => {
      try {
        fn(arg);
      } catch {
        // An observer's failure never changes the call it observes.
      }
    };
  return (operation) => {
    let ended: ((end: CallEnd) => void) | undefined;
    try {
      ended = instrumentation.onCall({ operation, programId, store });
    } catch {
      return undefined;
    }
    return typeof ended === "function" ? quietly(ended) : undefined;
  };
}

function callEnd(result: unknown, started: number): CallEnd {
  const durationMs = elapsedClock() - started;
  if (typeof result !== "object" || result === null) return { outcome: "ok", durationMs };
  const { replayed, coins } = result as { replayed?: unknown; coins?: unknown };
  return {
    outcome: "ok",
    ...(typeof replayed === "boolean" ? { replayed } : {}),
    ...(typeof coins === "string" ? { coins } : {}),
    durationMs,
  };
}

function failure(error: unknown): BulkItemResult {
  const coinageError = asCoinageError("allocateMany", error);
  return {
    ok: false,
    error: {
      code: coinageError.code,
      message: coinageError.message,
      details: coinageError.details,
    },
  };
}
