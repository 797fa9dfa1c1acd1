/**
 * Checks of the engine against the model: the answer of each write, and
 * after every step the state of the accounts it touched (balance, every
 * lot field, the history since the last check, conservation) and the
 * budget counters.
 */
import type { Balance, Coinage, HistoryEntry, Lot } from "@coinage/core";
import type fc from "fast-check";
import { expect } from "vitest";
import { fromUnits, iso, units, type World } from "../harness.js";
import {
  type Expected,
  type Figures,
  figures,
  type ModelAccount,
  type ModelState,
  type Move,
  SCALE,
  type Totals,
  usageOf,
} from "./ledger.js";
import * as R from "./ratio.js";
import type { ModelClip, Reward } from "./rules.js";

/** Commands executed, and how often each kind of answer was seen (for the progress lines). */
export interface Tally {
  commands: number;
  readonly seen: Map<string, number>;
}

export function count(tally: Tally, what: string): void {
  tally.seen.set(what, (tally.seen.get(what) ?? 0) + 1);
}

/** What the runner keeps about the real side between steps. */
export interface Real {
  readonly world: World;
  /** The last history entry checked per user, and the engine's sums by type so far. */
  readonly seen: Map<string, { seq: number; running: bigint; totals: Totals }>;
  /** Commands executed, for the count printed per store. */
  readonly tally: Tally;
  /** For concurrent steps: an engine on a store whose every call starts when the scheduler says. */
  readonly scheduled?: { readonly scheduler: fc.Scheduler; readonly coins: Coinage };
}

/** `expect(actual, label).toEqual(expected)`, paying for vitest's machinery only when they differ. */
export function same(actual: unknown, expected: unknown, label: string): void {
  if (Object.is(actual, expected)) return;
  if (
    typeof actual === "object" &&
    actual !== null &&
    typeof expected === "object" &&
    expected !== null &&
    JSON.stringify(actual) === JSON.stringify(expected)
  )
    return;
  expect(actual, label).toEqual(expected);
}

/** `expect(ok, label).toBe(true)`, cheaply when it holds. */
export function holds(ok: boolean, label: string): void {
  if (!ok) expect(ok, label).toBe(true);
}

const show = (value: bigint) => fromUnits(value);
const unitsOrNull = (value: string | undefined | null) =>
  value === undefined || value === null ? value : units(value);

/** A decimal string from the engine as a fraction (any number of places). */
const exact = (text: string) => R.dec(text);

export function expectMoves(
  actual: readonly { lotId: number; coins: string }[],
  expected: readonly Move[],
  label: string,
) {
  same(
    actual.map((m) => `${m.lotId}:${show(units(m.coins))}`),
    expected.map((m) => `${m.lotId}:${show(m.coins)}`),
    label,
  );
}

export function expectFigure(actual: string | undefined, expected: bigint, label: string): void {
  same(typeof actual, "string", label);
  same(show(units(actual as string)), show(expected), label);
}

/** An engine fraction equals the model's: exactly when finite, else within 10^-50. */
function expectRatio(actual: string | undefined, expected: R.Ratio, label: string): void {
  same(typeof actual, "string", label);
  const value = exact(actual as string);
  if (R.isTerminating(expected)) same(R.show(value), R.show(expected), label);
  else {
    const diff = R.sub(value, expected);
    const tolerance = R.ratio(1n, 10n ** 50n);
    holds(
      R.cmp(diff.n < 0n ? R.ratio(-diff.n, diff.d) : diff, tolerance) <= 0,
      `${label}: ${actual} vs ${R.show(expected)}`,
    );
  }
}

function expectClips(clips: readonly object[], expected: readonly ModelClip[], label: string) {
  const actual = clips as readonly Record<string, unknown>[];
  same(
    actual.map((c) => `${c.cap}${c.period === undefined ? "" : `/${c.period}`}`),
    expected.map((c) => `${c.cap}${c.period === undefined ? "" : `/${c.period}`}`),
    `${label}: caps that clipped`,
  );
  expected.forEach((clip, i) => {
    const got = actual[i] as Record<string, string | undefined>;
    const where = `${label}: clip ${clip.cap}${clip.period === undefined ? "" : `/${clip.period}`}`;
    expectRatio(got.limit, clip.limit, `${where} limit`);
    if (clip.used !== undefined) expectRatio(got.used, clip.used, `${where} used`);
    expectRatio(got.before, clip.before, `${where} before`);
    expectRatio(got.after, clip.after, `${where} after`);
  });
}

interface RewardView {
  readonly coins: string;
  readonly ineligible?: string | undefined;
  readonly availableAt: string | null;
  readonly expiresAt: string | null;
  readonly breakdown: {
    readonly multiplier: string;
    readonly caps: readonly object[];
    readonly rounding: { readonly limitedBy?: string | undefined };
  };
}

/** An allocation's or preview's reward equals the model's (coins, reason, multiplier, clips, rounding cap, dates). */
export function expectReward(actual: RewardView, expected: Reward, label: string): void {
  expectRatio(actual.coins, expected.coins, `${label}: coins`);
  if (expected.ineligible.length > 0) {
    if (!expected.ineligible.includes(actual.ineligible as never))
      expect(expected.ineligible, `${label}: ineligible reason`).toContain(actual.ineligible);
    return;
  }
  same(actual.ineligible, undefined, `${label}: ineligible`);
  expectRatio(actual.breakdown.multiplier, expected.multiplier, `${label}: multiplier`);
  expectClips(actual.breakdown.caps, expected.clips, label);
  same(actual.breakdown.rounding.limitedBy, expected.limitedBy, `${label}: rounding limited by`);
  if (R.cmp(expected.coins, R.ZERO) > 0) {
    same(Date.parse(actual.availableAt ?? ""), expected.availableAt, `${label}: availableAt`);
    same(
      actual.expiresAt === null ? null : Date.parse(actual.expiresAt),
      expected.expiresAt,
      `${label}: expiresAt`,
    );
  }
}

/** The engine's answer to a write equals what the model expects. */
export function expectAnswer(
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
  expected: Expected,
  label: string,
): void {
  if (expected.kind === "error") {
    if (outcome.ok)
      throw new Error(`${label}: expected ${expected.code}, got ${JSON.stringify(outcome.value)}`);
    same(
      (outcome.error as { code?: string }).code,
      expected.code,
      `${label}: error ${(outcome.error as Error).message}`,
    );
    if (expected.remaining !== undefined) {
      const details = (outcome.error as { details?: { remaining?: string } }).details;
      expectFigure(
        details?.remaining,
        expected.remaining,
        `${label}: REVERSAL_EXCEEDS_ORIGINAL remaining`,
      );
    }
    return;
  }
  if (!outcome.ok) {
    const e = outcome.error as { code?: string; message?: string };
    throw new Error(
      `${label}: expected ${expected.kind}, got ${e.code ?? "an error"}: ${e.message ?? String(e)}`,
      {
        cause: outcome.error,
      },
    );
  }
  const value = outcome.value as Record<string, unknown>;
  switch (expected.kind) {
    case "replay":
      same(value.replayed, true, `${label}: a replay says so`);
      same(
        { ...value, replayed: undefined },
        { ...(expected.record.result as object), replayed: undefined },
        `${label}: a replay returns the first result`,
      );
      return;
    default:
      // A first answer says it is not a replay.
      same(value.replayed, false, `${label}: a first answer is not marked replayed`);
  }
  switch (expected.kind) {
    case "allocate": {
      expectReward(value as unknown as RewardView, expected.reward, label);
      expectFigure(value.debtPaid as string, expected.debtPaid, `${label}: debtPaid`);
      same(value.lotId, expected.lotId, `${label}: lotId`);
      return;
    }
    case "redeem":
      expectFigure(value.coins as string, expected.coins, `${label}: coins`);
      expectMoves(value.lots as Move[] as never, expected.lots, `${label}: lots consumed`);
      return;
    case "adjust":
      expectFigure(value.coins as string, expected.coins, `${label}: coins`);
      expectMoves(value.lots as never, expected.lots, `${label}: lots`);
      return;
    case "reverseAllocation":
      same(value.kind, "allocation", `${label}: kind`);
      expectFigure(value.coins as string, expected.coins, `${label}: coins`);
      expectFigure(value.taken as string, expected.taken, `${label}: taken`);
      expectFigure(value.debt as string, expected.debt, `${label}: debt`);
      expectFigure(value.forgiven as string, expected.forgiven, `${label}: forgiven`);
      expectMoves(value.lots as never, expected.lots, `${label}: lots (own first, then FIFO)`);
      return;
    case "reverseRedemption":
      same(value.kind, "redemption", `${label}: kind`);
      expectFigure(value.coins as string, expected.coins, `${label}: coins`);
      expectFigure(value.restored as string, expected.restored, `${label}: restored`);
      expectFigure(value.expired as string, expected.expired, `${label}: expired at once`);
      expectMoves(value.lots as never, expected.lots, `${label}: lots (last consumed first)`);
      return;
  }
}

/** A balance equals the model's figures at `at`. */
export function expectBalance(
  balance: Balance,
  model: Figures,
  coinValue: string,
  label: string,
): void {
  expectFigure(balance.available, model.available, `${label}: available`);
  expectFigure(balance.pending, model.pending, `${label}: pending`);
  expectFigure(balance.debt, model.debt, `${label}: debt`);
  same(
    R.show(exact(balance.value)),
    R.show(R.mul(R.fromUnits(model.available, SCALE), R.dec(coinValue))),
    `${label}: value`,
  );
  if (model.nextExpiry === null) same(balance.nextExpiry, null, `${label}: nextExpiry`);
  else {
    same(balance.nextExpiry?.at, iso(model.nextExpiry.at), `${label}: nextExpiry.at`);
    expectFigure(balance.nextExpiry?.coins, model.nextExpiry.coins, `${label}: nextExpiry.coins`);
  }
}

/** Every lot of the account, every field. */
export function expectLots(stored: readonly Lot[], acc: ModelAccount, label: string): void {
  same(
    [...stored].map((lot) => lot.id).sort((a, b) => a - b),
    acc.lots.map((lot) => lot.id),
    `${label}: lot ids`,
  );
  const byId = new Map(
    stored.map((lot) => [lot.id, lot as Lot & { expired?: string; shortfall?: string }]),
  );
  for (const lot of acc.lots) {
    const got = byId.get(lot.id);
    if (got === undefined) continue;
    const where = `${label}: lot ${lot.id}`;
    same(
      {
        id: got.id,
        coins: show(units(got.coins)),
        remaining: show(units(got.remaining)),
        expired: show(unitsOrNull(got.expired) ?? -1n),
        shortfall: show(unitsOrNull(got.shortfall) ?? -1n),
        earnedAt: iso(got.earnedAt),
        availableAt: iso(got.availableAt),
        expiresAt: got.expiresAt === null ? null : iso(got.expiresAt),
        eventId: got.eventId,
        requestId: got.requestId,
      },
      {
        id: lot.id,
        coins: show(lot.coins),
        remaining: show(lot.remaining),
        expired: show(lot.expired),
        shortfall: show(lot.shortfall),
        earnedAt: iso(lot.earnedAt),
        availableAt: iso(lot.availableAt),
        expiresAt: lot.expiresAt === null ? null : iso(lot.expiresAt),
        eventId: lot.eventId,
        requestId: lot.requestId,
      },
      where,
    );
  }
}

/** History entries newer than `afterSeq`, oldest first. */
async function newEntries(
  coins: Coinage,
  userId: string,
  afterSeq: number,
): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await coins.history(
      userId,
      cursor === undefined ? { limit: 25 } : { limit: 25, cursor },
    );
    for (const entry of page.items) {
      if (entry.seq <= afterSeq) return out.reverse();
      out.push(entry);
    }
    if (page.nextCursor === null) return out.reverse();
    cursor = page.nextCursor;
  }
}

const SIGN: Record<keyof Totals, 1 | -1 | 0> = {
  earn: 1,
  restore: 1,
  redeem: -1,
  expire: -1,
  reverse: -1,
  adjust: 0,
};

/** The account of `userId` equals the model: balance, lots, history since the last check, conservation. */
export async function verifyUser(state: ModelState, real: Real, userId: string): Promise<void> {
  const { world } = real;
  const acc = state.accounts.get(userId);
  if (acc === undefined) return;
  const label = `${JSON.stringify(userId)} at ${iso(state.now)}`;
  const seen = real.seen.get(userId) ?? {
    seq: 0,
    running: 0n,
    totals: { earn: 0n, adjust: 0n, redeem: 0n, expire: 0n, reverse: 0n, restore: 0n },
  };
  const [balance, stored, entries] = await Promise.all([
    world.coins.balance(userId),
    world.lots(
      userId,
      acc.lots.map((lot) => lot.id),
    ),
    newEntries(world.coins, userId, seen.seq),
  ]);
  const model = figures(acc, state.now);
  expectBalance(balance, model, state.program.coinValue, label);
  expectLots(stored, acc, label);

  const totals = { ...seen.totals };
  let running = seen.running;
  let seq = seen.seq;
  for (const entry of entries) {
    const where = `${label}: entry ${entry.seq} (${entry.type} ${entry.coins})`;
    holds(entry.seq > seq, `${where}: seq increases`);
    seq = entry.seq;
    const coins = units(entry.coins);
    const sign = SIGN[entry.type];
    if (sign !== 0) holds(coins * BigInt(sign) > 0n, `${where}: sign`);
    totals[entry.type] += coins;
    running += coins;
    expectFigure(entry.balanceAfter, running, `${where}: balanceAfter is the running sum`);
  }
  const last = entries[entries.length - 1];
  if (last !== undefined) expectFigure(last.debtAfter, acc.debt, `${label}: debtAfter`);
  same(
    Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, show(v)])),
    Object.fromEntries(Object.entries(acc.totals).map(([k, v]) => [k, show(v)])),
    `${label}: history sums by type`,
  );
  // Conservation: earned + adjusted − redeemed − expired − reversed + restored
  //   = available + pending − debt (+ coins past expiry that no sweep has written down yet).
  same(
    show(running),
    show(model.available + model.pending - model.debt + model.unswept),
    `${label}: conservation`,
  );
  real.seen.set(userId, { seq, running, totals });
}

/** The event's budget counter equals the model's. */
export async function verifyBudget(state: ModelState, real: Real, eventId: string): Promise<void> {
  const event = state.events.get(eventId);
  const expected = state.budgets.get(eventId) ?? 0n;
  if (event?.spec.caps?.budget === undefined && expected === 0n) return;
  const used = await real.world.store.getBudgetUsed(real.world.programId, eventId);
  expectFigure(used, expected, `budget used of ${JSON.stringify(eventId)}`);
}

/**
 * Caps are never exceeded: coins earned under a cap keep the user's usage
 * in the period (what was earned minus what was reversed, counted by the
 * model) and the event's budget counter within the limit.
 */
export function expectWithinCaps(
  state: ModelState,
  userId: string,
  eventId: string,
  coins: bigint,
  label: string,
): void {
  const caps = state.events.get(eventId)?.spec.caps;
  if (caps === undefined || coins === 0n) return;
  const usage = usageOf(state, userId, eventId, state.now);
  const within = (used: R.Ratio, limit: string, what: string) =>
    holds(
      R.cmp(R.add(used, R.fromUnits(coins, SCALE)), R.dec(limit)) <= 0,
      `${label}: ${show(coins)} coins pass the ${what} cap ${limit} (used ${R.show(used)})`,
    );
  if (caps.perAllocation !== undefined) within(R.ZERO, caps.perAllocation, "per-allocation");
  for (const cap of caps.perUser ?? [])
    within(usage.perUser[cap.period], cap.coins, `per-user ${cap.period}`);
  if (caps.budget !== undefined) within(usage.budget, caps.budget, "budget");
}
