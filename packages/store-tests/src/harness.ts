/**
 * What every suite shares: the store under test, a fresh program per test,
 * a manual clock, and small helpers for decimal strings and error codes.
 *
 * Decimal strings are compared by value ("100" equals "100.00"); the suite
 * does its own arithmetic on bigints at a fixed scale so that it depends on
 * nothing in core but the public engine.
 */
import {
  type ClawbackPolicy,
  type Coinage,
  createCoinage,
  type EventInput,
  type Lot,
  type ProgramInput,
  type Store,
} from "@coinage/core";
import { expect } from "vitest";

/** The store a suite runs against, set in `beforeAll`. */
export interface StoreRef {
  current: Store | undefined;
}

export function storeOf(ref: StoreRef): Store {
  if (ref.current === undefined) throw new Error("the store was not created (create() failed?)");
  return ref.current;
}

/** A clock the test moves by hand. */
export class ManualClock {
  #now: number;

  constructor(start: string | number) {
    this.#now = typeof start === "number" ? start : Date.parse(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  get ms(): number {
    return this.#now;
  }

  get iso(): string {
    return new Date(this.#now).toISOString();
  }

  set(to: string | number): void {
    this.#now = typeof to === "number" ? to : Date.parse(to);
  }

  advance(by: { days?: number; hours?: number; ms?: number }): void {
    this.#now += (by.days ?? 0) * DAY + (by.hours ?? 0) * HOUR + (by.ms ?? 0);
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Every test starts here: a Sunday noon, away from any month or year boundary. */
export const START = "2026-03-15T12:00:00.000Z";

export function randomId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export interface ProgramOptions {
  readonly clawback?: ClawbackPolicy;
  readonly timeZone?: string;
  readonly coinScale?: number;
  readonly start?: string | number;
  readonly id?: string;
  /** Currency per coin; "0.25" by default. */
  readonly coinValue?: string;
  /** Rounding of earned coins; "down" by default. */
  readonly rounding?: "down" | "up" | "halfUp" | "halfEven";
  /** Member levels; none by default. */
  readonly levels?: ProgramInput["levels"];
}

/** One test's world: a fresh program on the shared store, and its clock. */
export interface World {
  readonly store: Store;
  readonly programId: string;
  readonly clock: ManualClock;
  readonly coins: Coinage;
  /**
   * The lots of an account with these ids, open or closed, sorted by id (ids
   * of lots that do not exist are left out). A snapshot holds only the lots
   * a command needs, so a test names the lots it looks at.
   */
  lots(userId: string, lotIds: readonly number[]): Promise<readonly Lot[]>;
  /** The account's lots with coins left, among every lot its history names. */
  openLots(userId: string): Promise<readonly Lot[]>;
  /** Balance, every history entry and every lot the history names, to check that nothing changed. */
  state(userId: string): Promise<unknown>;
}

export function newWorld(store: Store, options: ProgramOptions = {}): World {
  const programId = options.id ?? randomId("prog");
  const clock = new ManualClock(options.start ?? START);
  const coins = createCoinage({
    store,
    program: {
      id: programId,
      coinValue: options.coinValue ?? "0.25",
      coinScale: options.coinScale ?? 0,
      rounding: options.rounding ?? "down",
      timeZone: options.timeZone ?? "UTC",
      clawback: options.clawback ?? "debt",
      ...(options.levels === undefined ? {} : { levels: options.levels }),
    },
    clock,
  });
  const lots = async (userId: string, lotIds: readonly number[]) => {
    const snapshot = await store.loadAccount(programId, userId, {
      at: clock.ms,
      usageKeys: [],
      requestIds: [],
      lotIds,
    });
    const asked = new Set(lotIds);
    return snapshot.lots.filter((lot) => asked.has(lot.id)).sort((a, b) => a.id - b.id);
  };
  const lotsOfHistory = async (userId: string) =>
    lots(userId, lotIdsOf(await allHistory(coins, userId)));
  return {
    store,
    programId,
    clock,
    coins,
    lots,
    async openLots(userId) {
      return (await lotsOfHistory(userId)).filter((lot) => units(lot.remaining) > 0n);
    },
    async state(userId) {
      const [balance, history, all] = await Promise.all([
        coins.balance(userId),
        allHistory(coins, userId),
        lotsOfHistory(userId),
      ]);
      return structuredClone({ balance, history, lots: all });
    },
  };
}

/** Every lot id the entries name (each lot is named by the entry that created it). */
export function lotIdsOf(entries: readonly { readonly lots: readonly { lotId: number }[] }[]) {
  const ids = new Set<number>();
  for (const entry of entries) for (const move of entry.lots) ids.add(move.lotId);
  return [...ids].sort((a, b) => a - b);
}

/** Every history entry of an account, following cursors, newest first. */
export async function allHistory(coins: Coinage, userId: string, limit = 50) {
  const entries = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await coins.history(
      userId,
      cursor === undefined ? { limit } : { limit, cursor },
    );
    entries.push(...result.items);
    if (result.nextCursor === null) return entries;
    cursor = result.nextCursor;
  }
  throw new Error("history paging did not end");
}

/** Scale of the suite's own decimal arithmetic (coin scale is at most 8). */
const SCALE = 8;
const UNIT = 10n ** BigInt(SCALE);
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A decimal string as a bigint of 10^-8 units; throws on anything else. */
export function units(value: string | number | bigint): bigint {
  if (typeof value === "bigint") return value * UNIT;
  const text = typeof value === "number" ? String(value) : value;
  if (!DECIMAL.test(text)) throw new Error(`not a decimal string: ${JSON.stringify(value)}`);
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? text.slice(1) : text).split(".");
  if (fraction.length > SCALE && /[1-9]/.test(fraction.slice(SCALE))) {
    throw new Error(`more than ${SCALE} decimal places: ${text}`);
  }
  const magnitude = BigInt(whole) * UNIT + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, "0"));
  return negative ? -magnitude : magnitude;
}

/** The canonical form of a decimal string: no trailing zeros, no "-0". */
export function canon(value: string | number | bigint): string {
  return fromUnits(units(value));
}

export function fromUnits(value: bigint): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / UNIT;
  const fraction = (magnitude % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  const text = fraction === "" ? whole.toString() : `${whole}.${fraction}`;
  return negative && text !== "0" ? `-${text}` : text;
}

/** Whole coins (the suite's programs use coin scale 0) as a bigint. */
export function wholeCoins(value: string): bigint {
  const u = units(value);
  if (u % UNIT !== 0n) throw new Error(`not whole coins: ${value}`);
  return u / UNIT;
}

export function sumCoins(values: Iterable<string>): bigint {
  let total = 0n;
  for (const value of values) total += units(value);
  return total / UNIT;
}

/** Assert a decimal string equals the expected value, whatever its formatting. */
export function expectDec(
  actual: string | undefined,
  expected: string | number | bigint,
  label?: string,
): void {
  expect(actual, label).toBeTypeOf("string");
  expect(canon(actual as string), label).toBe(canon(expected));
}

/** Assert that a promise rejects with a `CoinageError` of this code; returns the error. */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: string; details: Record<string, unknown> }> {
  let failure: unknown;
  try {
    const value = await promise;
    failure = new Error(`expected ${code}, but it resolved with ${JSON.stringify(value)}`);
  } catch (error) {
    expect(error, `expected a CoinageError with code ${code}`).toMatchObject({
      name: "CoinageError",
      code,
    });
    return error as { code: string; details: Record<string, unknown> };
  }
  throw failure;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A fixed-reward event input. */
export function fixed(id: string, coins: string, extra: Partial<EventInput> = {}): EventInput {
  return { id, name: `${id} event`, reward: { kind: "fixed", coins }, ...extra };
}

/** What a repeat of a call answers: the first call's result, marked `replayed`. */
export function asReplay<T extends object>(first: T): T & { readonly replayed: true } {
  return { ...first, replayed: true };
}

/** A write's result without its `replayed` mark, to compare a first answer with its repeats. */
export function unmarked<T extends object>(result: T): Omit<T, "replayed"> {
  const { replayed: _replayed, ...rest } = result as T & { replayed?: unknown };
  return rest;
}
