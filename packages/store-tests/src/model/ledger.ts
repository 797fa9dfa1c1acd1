/**
 * The reference ledger: lots, debt, request records, cap usage and budgets
 * of one program, and what every write does to them, written from the
 * design (sections Domain and Reversal) and the decided refund semantics,
 * independently of core. Coins are bigint units of 10^-8 (the harness's
 * `units`). The state is plain data (Maps, arrays, bigints), so
 * `structuredClone` copies it for trying several orders of concurrent
 * commands.
 */
import { units } from "../harness.js";
import { CAP_PERIODS, type CapPeriod, periodStart } from "./calendar.js";
import type { EventSpec } from "./catalog.js";
import * as R from "./ratio.js";
import { inactiveReason, type ModelProgram, type Reward, reward, type Usage } from "./rules.js";

export const SCALE = 8;

export interface ModelLot {
  readonly id: number;
  readonly coins: bigint;
  remaining: bigint;
  expired: bigint;
  shortfall: bigint;
  readonly earnedAt: number;
  readonly availableAt: number;
  readonly expiresAt: number | null;
  readonly eventId: string | null;
  readonly requestId: string | null;
}

/** Signed sums of the history entries by type, as the history books them. */
export interface Totals {
  earn: bigint;
  adjust: bigint;
  redeem: bigint;
  expire: bigint;
  reverse: bigint;
  restore: bigint;
}

export interface ModelAccount {
  readonly lots: ModelLot[];
  debt: bigint;
  nextLotId: number;
  readonly totals: Totals;
}

export type Op = "allocate" | "redeem" | "reverse" | "adjust";

export interface Move {
  readonly lotId: number;
  readonly coins: bigint;
}

/** A booked request: its idempotency record and what a reversal needs. */
export interface ModelRequest {
  readonly requestId: string;
  readonly op: Op;
  readonly userId: string;
  /** What was sent (JSON), to tell a replay from a conflict. */
  readonly payload: string;
  /** The engine's first result, returned again on every replay. */
  result: unknown;
  readonly coins: bigint;
  reversed: bigint;
  readonly lotId: number | null;
  readonly parts: readonly Move[];
  readonly at: number;
  readonly eventId: string | null;
  /** An allocation that added to its event's budget counter. */
  readonly budgetCounted: boolean;
}

export interface ModelEvent {
  spec: EventSpec;
  version: number;
}

export interface ModelState {
  readonly program: ModelProgram;
  now: number;
  readonly users: readonly string[];
  readonly events: Map<string, ModelEvent>;
  readonly accounts: Map<string, ModelAccount>;
  readonly requests: Map<string, ModelRequest>;
  /** Request ids in booking order. */
  readonly order: string[];
  /** Per-user usage: `user \0 event \0 period \0 periodStart` → coins. */
  readonly usage: Map<string, bigint>;
  /** Budget counters by event. */
  readonly budgets: Map<string, bigint>;
  /** Requests sent so far (for fresh request ids). */
  counter: number;
}

export function newState(
  program: ModelProgram,
  users: readonly string[],
  events: readonly EventSpec[],
): ModelState {
  const accounts = new Map<string, ModelAccount>();
  for (const user of users) accounts.set(user, emptyAccount());
  return {
    program,
    now: program.start,
    users,
    events: new Map(events.map((spec) => [spec.id, { spec, version: 1 }])),
    accounts,
    requests: new Map(),
    order: [],
    usage: new Map(),
    budgets: new Map(),
    counter: 0,
  };
}

function emptyAccount(): ModelAccount {
  return {
    lots: [],
    debt: 0n,
    nextLotId: 1,
    totals: { earn: 0n, adjust: 0n, redeem: 0n, expire: 0n, reverse: 0n, restore: 0n },
  };
}

export function account(state: ModelState, userId: string): ModelAccount {
  let found = state.accounts.get(userId);
  if (found === undefined) {
    found = emptyAccount();
    state.accounts.set(userId, found);
  }
  return found;
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const isExpired = (lot: ModelLot, at: number): boolean =>
  lot.expiresAt !== null && lot.expiresAt <= at;
const spendable = (lot: ModelLot, at: number): boolean =>
  lot.remaining > 0n && !isExpired(lot, at) && lot.availableAt <= at;

/** Spendable lots in FIFO order: earliest expiry first, never last; ties by earned time, then id. */
export function fifo(lots: readonly ModelLot[], at: number): ModelLot[] {
  return lots
    .filter((lot) => spendable(lot, at))
    .sort((a, b) => {
      if (a.expiresAt !== b.expiresAt) {
        if (a.expiresAt === null) return 1;
        if (b.expiresAt === null) return -1;
        return a.expiresAt - b.expiresAt;
      }
      return a.earnedAt - b.earnedAt || a.id - b.id;
    });
}

export const spendableCoins = (acc: ModelAccount, at: number): bigint =>
  fifo(acc.lots, at).reduce((sum, lot) => sum + lot.remaining, 0n);

/** Take `coins` in FIFO order; the moves, and what the lots could not cover. */
function take(
  lots: readonly ModelLot[],
  coins: bigint,
  at: number,
): { moves: Move[]; missing: bigint } {
  const moves: Move[] = [];
  let left = coins;
  for (const lot of fifo(lots, at)) {
    if (left === 0n) break;
    const amount = minBig(lot.remaining, left);
    lot.remaining -= amount;
    left -= amount;
    moves.push({ lotId: lot.id, coins: amount });
  }
  return { moves, missing: left };
}

/** Write down expiry: every open lot with `expiresAt <= cutoff` expires. */
export function sweep(acc: ModelAccount, cutoff: number): { lots: number; coins: bigint } {
  let lots = 0;
  let coins = 0n;
  for (const lot of acc.lots) {
    if (lot.remaining > 0n && isExpired(lot, cutoff)) {
      lot.expired += lot.remaining;
      acc.totals.expire -= lot.remaining;
      coins += lot.remaining;
      lot.remaining = 0n;
      lots += 1;
    }
  }
  return { lots, coins };
}

export interface Figures {
  readonly available: bigint;
  readonly pending: bigint;
  readonly debt: bigint;
  readonly nextExpiry: { readonly at: number; readonly coins: bigint } | null;
  /** Coins of lots past expiry at `at` that no sweep has written down yet. */
  readonly unswept: bigint;
  /** Remaining coins of every lot minus debt: what the history sums to. */
  readonly booked: bigint;
}

export function figures(acc: ModelAccount, at: number): Figures {
  let available = 0n;
  let pending = 0n;
  let unswept = 0n;
  let held = 0n;
  let next: { at: number; coins: bigint } | null = null;
  for (const lot of acc.lots) {
    held += lot.remaining;
    if (lot.remaining === 0n) continue;
    if (isExpired(lot, at)) {
      unswept += lot.remaining;
      continue;
    }
    if (lot.availableAt > at) pending += lot.remaining;
    else available += lot.remaining;
    if (lot.expiresAt === null) continue;
    if (next === null || lot.expiresAt < next.at)
      next = { at: lot.expiresAt, coins: lot.remaining };
    else if (lot.expiresAt === next.at) next.coins += lot.remaining;
  }
  return { available, pending, debt: acc.debt, nextExpiry: next, unswept, booked: held - acc.debt };
}

// ---------------------------------------------------------------------------
// Cap usage

const usageKey = (user: string, event: string, period: CapPeriod, start: number) =>
  `${user}\u0000${event}\u0000${period}\u0000${start}`;

export function usageOf(state: ModelState, user: string, event: string, at: number): Usage {
  const perUser = {} as Record<CapPeriod, R.Ratio>;
  for (const period of CAP_PERIODS) {
    const key = usageKey(user, event, period, periodStart(period, at, state.program.timeZone));
    perUser[period] = R.fromUnits(state.usage.get(key) ?? 0n, SCALE);
  }
  return { perUser, budget: R.fromUnits(state.budgets.get(event) ?? 0n, SCALE) };
}

function addUsage(state: ModelState, user: string, event: string, at: number, delta: bigint): void {
  for (const period of CAP_PERIODS) {
    const key = usageKey(user, event, period, periodStart(period, at, state.program.timeZone));
    const next = (state.usage.get(key) ?? 0n) + delta;
    state.usage.set(key, next < 0n ? 0n : next);
  }
}

// ---------------------------------------------------------------------------
// Requests: what the engine must answer

export interface AllocateInput {
  readonly userId: string;
  readonly event: string;
  readonly requestId: string;
  readonly amount?: string;
}
export interface RedeemInput {
  readonly userId: string;
  readonly coins: string;
  readonly requestId: string;
}
export interface ReverseInput {
  readonly requestId: string;
  readonly of: string;
  readonly coins?: string;
}
export interface AdjustInput {
  readonly userId: string;
  readonly coins: string;
  readonly requestId: string;
  readonly reason: string;
  readonly expiresAt?: string | null;
}

export type Request =
  | { readonly op: "allocate"; readonly input: AllocateInput }
  | { readonly op: "redeem"; readonly input: RedeemInput }
  | { readonly op: "reverse"; readonly input: ReverseInput }
  | { readonly op: "adjust"; readonly input: AdjustInput };

export type Expected =
  | { readonly kind: "replay"; readonly record: ModelRequest }
  | { readonly kind: "error"; readonly code: string; readonly remaining?: bigint }
  | {
      readonly kind: "allocate";
      readonly coins: bigint;
      readonly debtPaid: bigint;
      readonly lotId: number | null;
      readonly reward: Reward;
    }
  | { readonly kind: "redeem"; readonly coins: bigint; readonly lots: readonly Move[] }
  | {
      readonly kind: "reverseAllocation";
      readonly coins: bigint;
      readonly taken: bigint;
      readonly debt: bigint;
      readonly forgiven: bigint;
      readonly lots: readonly Move[];
    }
  | {
      readonly kind: "reverseRedemption";
      readonly coins: bigint;
      readonly restored: bigint;
      readonly expired: bigint;
      readonly lots: readonly Move[];
      /** Of the restored coins, those that repaid a reversed allocation's shortfall (not compared). */
      readonly repaid: bigint;
    }
  | { readonly kind: "adjust"; readonly coins: bigint; readonly lots: readonly Move[] };

export const payloadOf = (request: Request): string => JSON.stringify([request.op, request.input]);

/** The account a request writes to (for a reversal, the original's), if known. */
export function userOf(state: ModelState, request: Request): string | undefined {
  if (request.op !== "reverse") return request.input.userId;
  return state.requests.get(request.input.of)?.userId;
}

const error = (code: string, remaining?: bigint): Expected =>
  remaining === undefined ? { kind: "error", code } : { kind: "error", code, remaining };

/**
 * Apply one request to the model at `state.now` and say what the engine
 * must answer. A request that fails changes nothing.
 */
export function apply(state: ModelState, request: Request): Expected {
  if (request.op === "allocate" && request.input.userId === "") return error("INVALID_INPUT");
  const earlier = state.requests.get(request.input.requestId);
  if (earlier !== undefined) {
    return earlier.payload === payloadOf(request)
      ? { kind: "replay", record: earlier }
      : error("IDEMPOTENCY_CONFLICT");
  }
  switch (request.op) {
    case "allocate":
      return allocate(state, request.input, payloadOf(request));
    case "redeem":
      return redeem(state, request.input, payloadOf(request));
    case "reverse":
      return reverse(state, request.input, payloadOf(request));
    case "adjust":
      return adjust(state, request.input, payloadOf(request));
  }
}

function book(state: ModelState, record: Omit<ModelRequest, "result" | "reversed" | "at">): void {
  state.requests.set(record.requestId, {
    ...record,
    result: undefined,
    reversed: 0n,
    at: state.now,
  });
  state.order.push(record.requestId);
}

function allocate(state: ModelState, input: AllocateInput, payload: string): Expected {
  const event = state.events.get(input.event);
  if (event === undefined) return error("EVENT_NOT_FOUND");
  const spec = event.spec;
  if (inactiveReason(spec, state.now, state.program.start) !== null) return error("EVENT_INACTIVE");
  const needsAmount = spec.reward.kind !== "fixed" || spec.minAmount !== undefined;
  if (needsAmount && input.amount === undefined) return error("INVALID_INPUT");
  const acc = account(state, input.userId);
  sweep(acc, state.now);
  const earned = reward(
    spec,
    input.amount,
    state.now,
    state.program,
    usageOf(state, input.userId, spec.id, state.now),
  );
  const coins = R.toUnits(earned.coins, SCALE);
  let lotId: number | null = null;
  let debtPaid = 0n;
  let budgetCounted = false;
  if (coins > 0n) {
    debtPaid = minBig(coins, acc.debt);
    acc.debt -= debtPaid;
    lotId = acc.nextLotId++;
    acc.lots.push({
      id: lotId,
      coins,
      remaining: coins - debtPaid,
      expired: 0n,
      shortfall: 0n,
      earnedAt: state.now,
      availableAt: earned.availableAt,
      expiresAt: earned.expiresAt,
      eventId: spec.id,
      requestId: input.requestId,
    });
    acc.totals.earn += coins;
    addUsage(state, input.userId, spec.id, state.now, coins);
    if (spec.caps?.budget !== undefined) {
      state.budgets.set(spec.id, (state.budgets.get(spec.id) ?? 0n) + coins);
      budgetCounted = true;
    }
  }
  book(state, {
    requestId: input.requestId,
    op: "allocate",
    userId: input.userId,
    payload,
    coins,
    lotId,
    parts: [],
    eventId: spec.id,
    budgetCounted,
  });
  return { kind: "allocate", coins, debtPaid, lotId, reward: earned };
}

function redeem(state: ModelState, input: RedeemInput, payload: string): Expected {
  const acc = account(state, input.userId);
  const coins = units(input.coins);
  if (spendableCoins(acc, state.now) < coins) return error("INSUFFICIENT_COINS");
  sweep(acc, state.now);
  const { moves } = take(acc.lots, coins, state.now);
  acc.totals.redeem -= coins;
  book(state, {
    requestId: input.requestId,
    op: "redeem",
    userId: input.userId,
    payload,
    coins,
    lotId: null,
    parts: moves,
    eventId: null,
    budgetCounted: false,
  });
  return { kind: "redeem", coins, lots: moves };
}

function adjust(state: ModelState, input: AdjustInput, payload: string): Expected {
  const acc = account(state, input.userId);
  const coins = units(input.coins);
  if (coins > 0n) {
    sweep(acc, state.now);
    const paid = minBig(coins, acc.debt);
    acc.debt -= paid;
    const lotId = acc.nextLotId++;
    acc.lots.push({
      id: lotId,
      coins,
      remaining: coins - paid,
      expired: 0n,
      shortfall: 0n,
      earnedAt: state.now,
      availableAt: state.now,
      expiresAt:
        input.expiresAt === undefined || input.expiresAt === null
          ? null
          : Date.parse(input.expiresAt),
      eventId: null,
      requestId: input.requestId,
    });
    acc.totals.adjust += coins;
    book(state, {
      requestId: input.requestId,
      op: "adjust",
      userId: input.userId,
      payload,
      coins,
      lotId: null,
      parts: [],
      eventId: null,
      budgetCounted: false,
    });
    return { kind: "adjust", coins, lots: [{ lotId, coins }] };
  }
  const debit = -coins;
  if (spendableCoins(acc, state.now) < debit) return error("INSUFFICIENT_COINS");
  sweep(acc, state.now);
  const { moves } = take(acc.lots, debit, state.now);
  acc.totals.adjust -= debit;
  book(state, {
    requestId: input.requestId,
    op: "adjust",
    userId: input.userId,
    payload,
    coins: debit,
    lotId: null,
    parts: moves,
    eventId: null,
    budgetCounted: false,
  });
  return { kind: "adjust", coins, lots: moves };
}

function reverse(state: ModelState, input: ReverseInput, payload: string): Expected {
  if (input.of === input.requestId) return error("INVALID_INPUT");
  const original = state.requests.get(input.of);
  if (original === undefined) return error("REQUEST_NOT_FOUND");
  if (original.op !== "allocate" && original.op !== "redeem") return error("NOT_REVERSIBLE");
  const acc = account(state, original.userId);
  // Every write sweeps its account first; on failure nothing (not even the sweep) is written.
  const trial = structuredClone(acc);
  sweep(trial, state.now);
  const lot = original.lotId === null ? undefined : trial.lots.find((l) => l.id === original.lotId);
  // Coins restored into the lot after the allocation was reversed count as the lot's expired
  // coins too when they expire, so the difference is kept from going below 0.
  const rest =
    original.op === "allocate"
      ? lot === undefined
        ? 0n
        : original.coins - lot.expired - original.reversed
      : original.coins - original.reversed;
  const left = rest < 0n ? 0n : rest;
  const coins = input.coins === undefined ? left : units(input.coins);
  if (coins <= 0n || coins > left) return error("REVERSAL_EXCEEDS_ORIGINAL", left);
  sweep(acc, state.now);
  const outcome =
    original.op === "allocate"
      ? reverseAllocation(state, acc, original, coins)
      : reverseRedemption(state, acc, original, coins);
  original.reversed += coins;
  book(state, {
    requestId: input.requestId,
    op: "reverse",
    userId: original.userId,
    payload,
    coins,
    lotId: null,
    parts: "lots" in outcome ? outcome.lots : [],
    eventId: null,
    budgetCounted: false,
  });
  return outcome;
}

function reverseAllocation(
  state: ModelState,
  acc: ModelAccount,
  original: ModelRequest,
  coins: bigint,
): Expected {
  const moves: Move[] = [];
  let left = coins;
  const own = acc.lots.find((l) => l.id === original.lotId) as ModelLot;
  const fromOwn = minBig(own.remaining, left);
  if (fromOwn > 0n) {
    own.remaining -= fromOwn;
    left -= fromOwn;
    moves.push({ lotId: own.id, coins: fromOwn });
  }
  const rest = take(acc.lots, left, state.now);
  moves.push(...rest.moves);
  const missing = rest.missing;
  own.shortfall += missing;
  const debt = state.program.clawback === "debt" ? missing : 0n;
  acc.debt += debt;
  acc.totals.reverse -= coins - missing + debt;
  addUsage(state, original.userId, original.eventId as string, original.at, -coins);
  if (original.budgetCounted) {
    const next = (state.budgets.get(original.eventId as string) ?? 0n) - coins;
    state.budgets.set(original.eventId as string, next < 0n ? 0n : next);
  }
  return {
    kind: "reverseAllocation",
    coins,
    taken: coins - missing,
    debt,
    forgiven: missing - debt,
    lots: moves,
  };
}

function reverseRedemption(
  state: ModelState,
  acc: ModelAccount,
  original: ModelRequest,
  coins: bigint,
): Expected {
  // What earlier partial reversals already put back, from the last part backwards.
  let skip = original.reversed;
  let left = coins;
  let expired = 0n;
  let cancelled = 0n;
  let repaid = 0n;
  const moves: Move[] = [];
  for (const part of [...original.parts].reverse()) {
    const skipped = minBig(skip, part.coins);
    skip -= skipped;
    const open = part.coins - skipped;
    if (open === 0n || left === 0n) continue;
    const give = minBig(open, left);
    left -= give;
    moves.push({ lotId: part.lotId, coins: give });
    const lot = acc.lots.find((l) => l.id === part.lotId) as ModelLot;
    const repay =
      state.program.clawback === "debt"
        ? minBig(minBig(give, lot.shortfall), acc.debt)
        : minBig(give, lot.shortfall);
    lot.shortfall -= repay;
    repaid += repay;
    if (state.program.clawback === "debt") acc.debt -= repay;
    else cancelled += repay;
    let rest = give - repay;
    if (isExpired(lot, state.now)) {
      lot.expired += rest;
      expired += rest;
      continue;
    }
    const paid = minBig(rest, acc.debt);
    acc.debt -= paid;
    rest -= paid;
    lot.remaining += rest;
  }
  acc.totals.restore += coins;
  acc.totals.reverse -= cancelled;
  acc.totals.expire -= expired;
  return { kind: "reverseRedemption", coins, restored: coins, expired, lots: moves, repaid };
}

/** The sweep of `expire({ before })`: every account's lots with `expiresAt <= cutoff`. */
export function expireAll(
  state: ModelState,
  cutoff: number,
): { accounts: number; lots: number; coins: bigint } {
  let accounts = 0;
  let lots = 0;
  let coins = 0n;
  for (const acc of state.accounts.values()) {
    const swept = sweep(acc, cutoff);
    if (swept.lots > 0) accounts += 1;
    lots += swept.lots;
    coins += swept.coins;
  }
  return { accounts, lots, coins };
}

/** A fresh request id: mostly plain, sometimes one that stores must keep as an opaque string. */
export const SPECIAL_IDS = [
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "a:b",
  "{r}",
  "r 1 ✓",
  "toString",
] as const;

export function nextRequestId(state: ModelState, prefix: string, special?: number): string {
  state.counter += 1;
  if (special !== undefined) {
    const id = SPECIAL_IDS[special % SPECIAL_IDS.length] as string;
    if (!state.requests.has(id)) return id;
  }
  return `${prefix}${state.counter}`;
}

/** What a reversal of `requestId` could still take back now (after the sweep it would run). */
export function reversible(state: ModelState, requestId: string): bigint {
  const original = state.requests.get(requestId);
  if (original === undefined) return 0n;
  if (original.op === "redeem") return original.coins - original.reversed;
  if (original.op !== "allocate" || original.lotId === null) return 0n;
  const lot = account(state, original.userId).lots.find((l) => l.id === original.lotId);
  if (lot === undefined) return 0n;
  const expiredNow = lot.remaining > 0n && isExpired(lot, state.now) ? lot.remaining : 0n;
  const left = original.coins - lot.expired - expiredNow - original.reversed;
  return left < 0n ? 0n : left;
}

/** The request a booked record was made by, to send it again. */
export function requestOf(record: ModelRequest): Request {
  const [op, input] = JSON.parse(record.payload) as [Op, never];
  return { op, input } as Request;
}
