/**
 * The engine's write commands as pure `AccountCommand`s: each validates its
 * input, then describes what to read and how to decide. The engine hands
 * them to the store.
 */
import { lookup } from "../dictionary.js";
import { CoinageError, invalidInput } from "../errors.js";
import { earn } from "../ledger/allocate.js";
import { AccountDraft } from "../ledger/draft.js";
import { forfeitAll } from "../ledger/erase.js";
import { sweepExpired } from "../ledger/expire.js";
import { fingerprint } from "../ledger/fingerprint.js";
import { spend } from "../ledger/redeem.js";
import { reverseAllocation, reverseRedemption, reversibleCoins } from "../ledger/reverse.js";
import type { AccountReads, AccountSnapshot, RequestRecord } from "../ledger/types.js";
import { Dec } from "../money/decimal.js";
import type { Program } from "../program.js";
import { previewReward } from "../rules/reward.js";
import type { CapPeriod, CoinEvent, RewardUsage } from "../rules/types.js";
import type { AccountCommand } from "../store.js";
import { usageKey } from "../time/periods.js";
import { coinText, currencyOf, formatBalance, iso } from "./format.js";
import { instantMs } from "./instants.js";
import { levelKey, levelKeysAt, levelMonth, standingFrom } from "./level-counters.js";
import { type AllocationTerms, refundCoins, termsOf, withRefunded } from "./refund.js";
import type {
  AllocateInput,
  AllocationResult,
  RedeemInput,
  RedemptionResult,
  ReversalResult,
  ReverseInput,
} from "./types.js";
import {
  optionalAmount,
  optionalReason,
  requireCoins,
  requireId,
  requireRecord,
} from "./validate.js";

/**
 * Reads of a command or a balance at `at` that asks for nothing by key: the
 * lots whose state changes by then, and the next-expiry group (see
 * `AccountSnapshot.lots`), with `spend` the FIFO lots that cover it.
 */
export function readsAt(at: number, spend?: Dec): AccountReads {
  return spend === undefined
    ? { at, usageKeys: NONE, requestIds: NONE, lotIds: NONE }
    : { at, spend: spend.toFixed(), usageKeys: NONE, requestIds: NONE, lotIds: NONE };
}

const NONE: readonly never[] = Object.freeze([]);

export interface ValidAllocation {
  readonly userId: string;
  readonly eventId: string;
  readonly requestId: string;
  readonly amount: Dec | undefined;
  readonly reason: string | null;
  readonly fingerprint: string;
}

export function validateAllocation(input: AllocateInput, path = "allocation"): ValidAllocation {
  const record = requireRecord(input, path);
  const userId = requireId(record.userId, `${path}.userId`);
  const eventId = requireId(record.event, `${path}.event`);
  const requestId = requireId(record.requestId, `${path}.requestId`);
  const amount = optionalAmount(record.amount, `${path}.amount`);
  const reason = optionalReason(record.reason, `${path}.reason`);
  return {
    userId,
    eventId,
    requestId,
    amount,
    reason,
    fingerprint: fingerprint({
      amount: amount?.toFixed() ?? null,
      event: eventId,
      op: "allocate",
      reason,
      userId,
    }),
  };
}

/** Every period kind a per-user cap can have. */
const CAP_PERIODS: readonly CapPeriod[] = ["day", "week", "month", "year", "lifetime"];

/**
 * The per-user usage counters of `eventId` for the periods holding `at`: one
 * per period kind, whether or not the event caps that period today, so a cap
 * added later sees what was already earned in its period.
 */
export function usageKeysAt(
  eventId: string,
  at: Date,
  program: Program,
): { period: CapPeriod; key: string }[] {
  return CAP_PERIODS.map((period) => ({
    period,
    key: usageKey(eventId, period, at, program.timeZone),
  }));
}

/** The cap usage counters an allocation of `event` at `at` reads and writes. */
export function usageKeysFor(
  event: CoinEvent,
  at: Date,
  program: Program,
): { period: CapPeriod; key: string }[] {
  return usageKeysAt(event.id, at, program);
}

export type UsageKeys = readonly { readonly period: CapPeriod; readonly key: string }[];

/** Events whose last keys a `usageKeyMemo` keeps. */
const MEMO_EVENTS = 1000;

/**
 * `usageKeysAt` remembering the last keys of each event by the second they
 * were computed for: a period starts at a whole second in every zone (zone
 * offsets are whole seconds), so within one second the keys cannot change.
 * One per engine; commands arriving in the same second share the work.
 */
export function usageKeyMemo(program: Program): (eventId: string, at: Date) => UsageKeys {
  const last = new Map<string, { readonly second: number; readonly keys: UsageKeys }>();
  return (eventId, at) => {
    const second = Math.floor(at.getTime() / 1000);
    const known = last.get(eventId);
    if (known !== undefined && known.second === second) return known.keys;
    const keys = usageKeysAt(eventId, at, program);
    if (last.size >= MEMO_EVENTS && known === undefined) last.clear();
    last.set(eventId, { second, keys });
    return keys;
  };
}

/** What the user and the event have used of the caps, from the counters `keys` read. */
export function usageFrom(
  snapshot: AccountSnapshot,
  event: CoinEvent,
  keys: UsageKeys,
): RewardUsage {
  const perUser: Record<string, string> = {};
  for (const { period, key } of keys) perUser[period] = lookup(snapshot.usage, key) ?? "0";
  return {
    perUser,
    ...(event.caps?.budget === undefined ? {} : { budget: snapshot.budgetUsed ?? "0" }),
  };
}

/**
 * Thrown by an allocation's `decide` when the event it was built from is not
 * the one stored (see `allocationCommand`'s `checkEvent`): nothing is
 * written, and the engine builds the command again from the stored event.
 * `stored` is what the snapshot said: a version, `null` (no such event), or
 * `undefined` (the store does not report event versions).
 */
export class StaleEvent extends Error {
  constructor(readonly stored: number | null | undefined) {
    super("the event changed since it was read");
    this.name = "StaleEvent";
  }
}

/**
 * An allocation from `event`. With `checkEvent`, the event is a remembered
 * copy: the command asks the store for the event's stored version with the
 * account and decides only when it is the copy's.
 */
export function allocationCommand(
  program: Program,
  event: CoinEvent,
  input: ValidAllocation,
  now: Date,
  keys: UsageKeys = usageKeysFor(event, now, program),
  checkEvent = false,
): AccountCommand<AllocationResult> {
  const at = now.getTime();
  // With member levels: the window's monthly counters, the current month's first.
  const levels = program.levels;
  const levelKeys = levels === undefined ? NONE : levelKeysAt(levels, now, program);
  const capKeys = keys.map((k) => k.key);
  return {
    programId: program.id,
    userId: input.userId,
    request: { requestId: input.requestId, fingerprint: input.fingerprint },
    reads: {
      at,
      usageKeys: levelKeys.length === 0 ? capKeys : [...capKeys, ...levelKeys],
      requestIds: [],
      lotIds: [],
      ...(event.caps?.budget === undefined ? {} : { budgetEventId: event.id }),
      ...(checkEvent ? { eventId: event.id } : {}),
    },
    decide(snapshot) {
      if (checkEvent && snapshot.eventVersion !== event.version) {
        throw new StaleEvent(snapshot.eventVersion);
      }
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const level =
        levels === undefined ? null : standingFrom(levels, snapshot.usage, levelKeys).level;
      const transaction = {
        ...(input.amount === undefined ? {} : { amount: input.amount.toFixed() }),
        ...(level === null ? {} : { level }),
      };
      const usage = usageFrom(snapshot, event, keys);
      const preview = previewReward(event, transaction, program, now, usage);
      const coins = new Dec(preview.coins);
      const availableAt = instantMs(preview.availableAt);
      const expiresAt = preview.expiresAt === null ? null : instantMs(preview.expiresAt);
      const earned = earn(draft, {
        coins,
        availableAt,
        expiresAt,
        eventId: event.id,
        requestId: input.requestId,
        reason: input.reason,
      });
      if (coins.gt(0)) {
        // The periods' counters often hold the same value: each value is added to once.
        const added = new Map<string, Dec>();
        for (const { key } of keys) {
          const used = lookup(snapshot.usage, key) ?? "0";
          let total = added.get(used);
          if (total === undefined) {
            total = new Dec(used).plus(coins);
            added.set(used, total);
          }
          draft.setUsage(key, total);
        }
        if (event.caps?.budget !== undefined)
          draft.addToBudget(event.id, coins, new Dec(event.caps.budget));
        const month = levelKeys[0];
        if (month !== undefined)
          draft.setUsage(month, new Dec(lookup(snapshot.usage, month) ?? "0").plus(coins));
      }
      const result: AllocationResult = {
        requestId: input.requestId,
        userId: input.userId,
        event: event.id,
        coins: coinText(coins, program),
        debtPaid: coinText(earned.debtPaid, program),
        lotId: earned.lot?.id ?? null,
        earnedAt: iso(at) as string,
        availableAt: earned.lot === null ? null : iso(earned.lot.availableAt),
        expiresAt: earned.lot === null ? null : iso(earned.lot.expiresAt),
        ...(preview.ineligible === undefined ? {} : { ineligible: preview.ineligible }),
        ...(coins.gt(0) && event.caps?.budget !== undefined ? { countsTowardBudget: true } : {}),
        breakdown: preview.breakdown,
        balance: formatBalance(program, input.userId, draft.balance(), at),
        replayed: false,
      };
      // With an amount, the record keeps the terms a refund by amount recomputes with.
      const terms: AllocationTerms | undefined =
        input.amount === undefined
          ? undefined
          : {
              amount: input.amount.toFixed(),
              refunded: "0",
              event,
              program,
              usage,
              ...(level === null ? {} : { level }),
            };
      draft.putRequest({
        requestId: input.requestId,
        kind: "allocate",
        userId: input.userId,
        fingerprint: input.fingerprint,
        at,
        result: terms === undefined ? result : { ...result, terms },
        coins: coins.toFixed(),
        reversed: "0",
        lotId: earned.lot?.id ?? null,
        parts: [],
      });
      return { change: draft.toChange(), result };
    },
  };
}

export function redemptionCommand(
  program: Program,
  input: RedeemInput,
  now: Date,
): AccountCommand<RedemptionResult> {
  const record = requireRecord(input, "redemption");
  const userId = requireId(record.userId, "redemption.userId");
  const requestId = requireId(record.requestId, "redemption.requestId");
  const coins = requireCoins(record.coins, "redemption.coins", program.coinScale);
  const reason = optionalReason(record.reason, "redemption.reason");
  const at = now.getTime();
  const print = fingerprint({ coins: coins.toFixed(), op: "redeem", reason, userId });
  return {
    programId: program.id,
    userId,
    request: { requestId, fingerprint: print },
    reads: readsAt(at, coins),
    decide(snapshot) {
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const lots = spend(draft, coins, { requestId, reason });
      const coinsText = coinText(coins, program);
      const result: RedemptionResult = {
        requestId,
        userId,
        coins: coinsText,
        value: currencyOf(coins, coinsText, program),
        lots,
        balance: formatBalance(program, userId, draft.balance(), at),
        replayed: false,
      };
      draft.putRequest({
        requestId,
        kind: "redeem",
        userId,
        fingerprint: print,
        at,
        result,
        coins: coins.toFixed(),
        reversed: "0",
        lotId: null,
        parts: lots,
      });
      return { change: draft.toChange(), result };
    },
  };
}

export interface ValidReversal {
  readonly requestId: string;
  readonly of: string;
  readonly coins: Dec | undefined;
  /** A refund of this much of the allocation's purchase amount (see `refund.ts`). */
  readonly amount: Dec | undefined;
  readonly reason: string | null;
  readonly fingerprint: string;
}

export function validateReversal(program: Program, input: ReverseInput): ValidReversal {
  const record = requireRecord(input, "reversal");
  const requestId = requireId(record.requestId, "reversal.requestId");
  const of = requireId(record.of, "reversal.of");
  if (of === requestId)
    throw invalidInput({ path: "reversal.of", message: "a request cannot reverse itself" });
  const coins =
    record.coins === undefined
      ? undefined
      : requireCoins(record.coins, "reversal.coins", program.coinScale);
  const amount = optionalAmount(record.amount, "reversal.amount");
  if (amount !== undefined && coins !== undefined) {
    throw invalidInput({
      path: "reversal.amount",
      message: "give either coins or amount, not both",
    });
  }
  if (amount?.isZero())
    throw invalidInput({ path: "reversal.amount", message: "must be greater than zero" });
  const reason = optionalReason(record.reason, "reversal.reason");
  return {
    requestId,
    of,
    coins,
    amount,
    reason,
    // `amount` joins the payload only when given: reversals booked before it existed replay as they were.
    fingerprint: fingerprint({
      ...(amount === undefined ? {} : { amount: amount.toFixed() }),
      coins: coins?.toFixed() ?? null,
      of,
      op: "reverse",
      reason,
    }),
  };
}

/**
 * Reverse an allocation or a redemption, whole or in part. An allocation
 * gives back at most what it still holds plus what was spent from it (see
 * `reverseAllocation`), and gives the coins back to its event's per-user
 * usage counters (in the periods holding the allocation's instant) and to
 * the budget it counted toward. A redemption puts its coins back into their
 * lots (see `reverseRedemption`).
 */
export function reversalCommand(
  program: Program,
  input: ValidReversal,
  original: RequestRecord,
  now: Date,
): AccountCommand<ReversalResult> {
  if (original.kind !== "allocate" && original.kind !== "redeem") {
    throw new CoinageError("NOT_REVERSIBLE", {
      requestId: original.requestId,
      kind: original.kind,
    });
  }
  if (input.amount !== undefined && termsOf(original.result) === undefined) {
    throw new CoinageError("NOT_REVERSIBLE", {
      requestId: original.requestId,
      kind: original.kind,
      by: "amount",
    });
  }
  const at = now.getTime();
  const lotIds =
    original.kind === "allocate"
      ? original.lotId === null
        ? []
        : [original.lotId]
      : original.parts.map((p) => p.lotId);
  const origin = original.kind === "allocate" ? allocationOrigin(original) : null;
  const eventId = origin?.eventId ?? null;
  const capKeys =
    eventId === null ? [] : usageKeysAt(eventId, new Date(original.at), program).map((k) => k.key);
  // The allocation's month counter of member levels gives its coins back too.
  const monthKey =
    original.kind === "allocate" && program.levels !== undefined
      ? levelKey(levelMonth(new Date(original.at), program))
      : undefined;
  const usageKeys = monthKey === undefined ? capKeys : [...capKeys, monthKey];
  const budgetEventId = origin?.budgetEventId ?? null;
  // An allocation's reversal may spend from the other lots what was spent
  // from its own: at most what is left to reverse (fresher records only have less).
  const spendable =
    original.kind === "allocate"
      ? (input.coins ?? Dec.max(new Dec(original.coins).minus(original.reversed), 0))
      : undefined;
  const byAmount = input.amount;
  return {
    programId: program.id,
    userId: original.userId,
    request: { requestId: input.requestId, fingerprint: input.fingerprint },
    reads: {
      at,
      ...(spendable === undefined ? {} : { spend: spendable.toFixed() }),
      usageKeys,
      requestIds: [original.requestId],
      lotIds,
      ...(budgetEventId === null ? {} : { budgetEventId }),
    },
    decide(snapshot) {
      const fresh = lookup(snapshot.requests, original.requestId);
      if (fresh === undefined) throw new Error(`store did not load request ${original.requestId}`);
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const left = reversibleLeft(draft, fresh);
      const terms = byAmount === undefined ? undefined : termsOf(fresh.result);
      let coins: Dec;
      if (byAmount !== undefined && terms !== undefined) {
        const unrefunded = new Dec(terms.amount).minus(terms.refunded);
        if (byAmount.gt(unrefunded)) {
          throw new CoinageError("REVERSAL_EXCEEDS_ORIGINAL", {
            requestId: fresh.requestId,
            remaining: unrefunded.toFixed(),
            requested: byAmount.toFixed(),
            unit: "amount",
          });
        }
        // What the refunded part earned, as booked; coins of it that expired
        // or were reversed by coins already are not taken again.
        coins = Dec.min(refundCoins(terms, byAmount, fresh.at), left);
      } else {
        coins = input.coins ?? left;
        if (coins.gt(left) || coins.lte(0)) {
          throw new CoinageError("REVERSAL_EXCEEDS_ORIGINAL", {
            requestId: fresh.requestId,
            remaining: coinText(left, program),
            requested: coinText(coins, program),
          });
        }
      }
      const zero = coinText(new Dec(0), program);
      let outcome: Omit<ReversalResult, "balance" | "replayed">;
      if (fresh.kind === "allocate") {
        const r = reverseAllocation(draft, fresh, coins, program.clawback, input);
        // The caps and the budget the coins counted toward are given back.
        for (const key of usageKeys) {
          const used = lookup(snapshot.usage, key);
          if (used !== undefined) draft.setUsage(key, Dec.max(new Dec(used).minus(coins), 0));
        }
        if (budgetEventId !== null) draft.giveBackBudget(budgetEventId, coins);
        outcome = {
          requestId: input.requestId,
          of: fresh.requestId,
          userId: fresh.userId,
          kind: "allocation",
          coins: coinText(coins, program),
          taken: coinText(r.taken, program),
          debt: coinText(r.debt, program),
          forgiven: coinText(r.forgiven, program),
          restored: zero,
          expired: zero,
          lots: r.lots,
          ...(byAmount === undefined ? {} : { amount: byAmount.toFixed() }),
        };
      } else {
        const r = reverseRedemption(draft, fresh, coins, program.clawback, input);
        outcome = {
          requestId: input.requestId,
          of: fresh.requestId,
          userId: fresh.userId,
          kind: "redemption",
          coins: coinText(coins, program),
          taken: zero,
          debt: zero,
          forgiven: zero,
          restored: coinText(r.restored, program),
          expired: coinText(r.expired, program),
          lots: r.lots,
        };
      }
      draft.putRequest({
        ...fresh,
        reversed: new Dec(fresh.reversed).plus(coins).toFixed(),
        ...(byAmount === undefined || terms === undefined
          ? {}
          : { result: withRefunded(fresh.result, terms, byAmount) }),
      });
      const result: ReversalResult = {
        ...outcome,
        balance: formatBalance(program, fresh.userId, draft.balance(), at),
        replayed: false,
      };
      draft.putRequest({
        requestId: input.requestId,
        kind: "reverse",
        userId: fresh.userId,
        fingerprint: input.fingerprint,
        at,
        result,
        coins: coins.toFixed(),
        reversed: "0",
        lotId: null,
        parts: result.lots,
      });
      return { change: draft.toChange(), result };
    },
  };
}

/**
 * What a reversal of an allocation gives back to, from its first result: its
 * event's per-user usage counters, and its event budget when its coins
 * counted toward one.
 */
function allocationOrigin(original: RequestRecord): {
  readonly eventId: string | null;
  readonly budgetEventId: string | null;
} {
  const result = (original.result ?? {}) as Partial<AllocationResult>;
  const eventId = typeof result.event === "string" ? result.event : null;
  return {
    eventId,
    budgetEventId: eventId !== null && result.countsTowardBudget === true ? eventId : null,
  };
}

/**
 * Coins of a request a reversal may still take, after the sweep: for an
 * allocation, what it earned less what of its lot expired and what was
 * reversed; for a redemption, what was spent less what was restored.
 */
function reversibleLeft(draft: AccountDraft, record: RequestRecord): Dec {
  if (record.kind !== "allocate") return new Dec(record.coins).minus(record.reversed);
  if (record.lotId === null) return new Dec(0);
  const lot = draft.lot(record.lotId);
  if (lot === undefined) throw new Error(`store did not load lot ${record.lotId}`);
  return reversibleCoins(record, lot);
}

/** Sweep one account: expire its lots with `expiresAt <= cutoff`. */
export function sweepCommand(
  program: Program,
  userId: string,
  now: Date,
  cutoff: number,
): AccountCommand<{ lots: number; coins: string }> {
  const at = now.getTime();
  return {
    programId: program.id,
    userId,
    reads: readsAt(at),
    decide(snapshot) {
      const draft = new AccountDraft(snapshot, at);
      const swept = sweepExpired(draft, cutoff);
      return {
        change: draft.toChange(),
        result: { lots: swept.lots, coins: swept.coins.toFixed() },
      };
    },
  };
}

/** More coins than any account holds: a read of every open lot (see `AccountReads.spend`). */
const EVERY_LOT = new Dec("1e30");

/**
 * The forfeit before an erasure: sweep the account, then expire every open
 * lot, whatever its expiry or activation (see `ledger/erase.ts`).
 */
export function forfeitCommand(
  program: Program,
  userId: string,
  now: Date,
): AccountCommand<{ forfeited: string; debt: string }> {
  const at = now.getTime();
  return {
    programId: program.id,
    userId,
    reads: readsAt(at, EVERY_LOT),
    decide(snapshot) {
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const forfeited = forfeitAll(draft);
      return {
        change: draft.toChange(),
        result: {
          forfeited: coinText(forfeited, program),
          debt: coinText(draft.debt, program),
        },
      };
    },
  };
}
