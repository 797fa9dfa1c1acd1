/**
 * Model-based test: random sequences of allocate / redeem / reverse /
 * adjust / expire / clock moves / replays, run against the engine and against a tiny
 * reference model written here, independently of core's ledger. After every
 * step the engine must agree with the model, and the books must balance.
 *
 * Runs: `COINAGE_MODEL_RUNS` (default 200). Replay a failure with
 * `COINAGE_MODEL_SEED` (and `COINAGE_MODEL_PATH`) from the failure message.
 */
import type { Coinage, Lot } from "@coinage/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  allHistory,
  DAY,
  fixed,
  HOUR,
  iso,
  newWorld,
  START,
  type StoreRef,
  storeOf,
  units,
  type World,
  wholeCoins,
} from "../harness.js";

const USERS = ["u1", "u2"] as const;
type UserId = (typeof USERS)[number];

const DATED_AT = Date.parse(START) + 20 * DAY;

/** The events every run uses: fixed rewards with different expiries and one activation delay. */
const EVENTS = [
  { id: "SHORT", coins: 100n, expiry: { days: 3 }, activationMs: 0 },
  { id: "SHORT_TOO", coins: 30n, expiry: { days: 3 }, activationMs: 0 },
  { id: "MONTH", coins: 60n, expiry: { days: 30 }, activationMs: 0 },
  { id: "NEVER", coins: 40n, expiry: null, activationMs: 0 },
  { id: "DELAYED", coins: 80n, expiry: { days: 10 }, activationMs: DAY },
  { id: "DATED", coins: 50n, expiry: { at: iso(DATED_AT) }, activationMs: 0 },
] as const;
type ModelEvent = (typeof EVENTS)[number];

function expiresAt(event: ModelEvent, earnedAt: number): number | null {
  if (event.expiry === null) return null;
  if ("at" in event.expiry) return Date.parse(event.expiry.at);
  return earnedAt + event.expiry.days * DAY;
}

// ---------------------------------------------------------------------------
// The reference model

interface ModelLot {
  readonly id: number;
  readonly coins: bigint;
  /** Of `coins`, what paid debt when the lot was created. */
  readonly paid: bigint;
  remaining: bigint;
  readonly earnedAt: number;
  readonly availableAt: number;
  readonly expiresAt: number | null;
}

interface ModelAccount {
  readonly lots: ModelLot[];
  debt: bigint;
}

type Kind = "allocate" | "redeem" | "reverse" | "adjust";

interface Booked {
  readonly kind: Kind;
  readonly requestId: string;
  readonly userId: UserId;
  /** What was sent, to send it again. */
  readonly input: Record<string, unknown>;
  readonly result: unknown;
  /** Coins booked: earned (allocate) or spent (redeem). */
  readonly coins: bigint;
  reversed: bigint;
  readonly lotId: number | null;
  readonly parts: readonly { readonly lotId: number; readonly coins: bigint }[];
}

interface Model {
  now: number;
  readonly policy: "debt" | "cap";
  readonly accounts: Record<UserId, ModelAccount>;
  readonly booked: Booked[];
  requests: number;
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const isExpired = (lot: ModelLot, at: number) => lot.expiresAt !== null && lot.expiresAt <= at;
const isPending = (lot: ModelLot, at: number) => lot.availableAt > at;
const counts = (lot: ModelLot, at: number) => lot.remaining > 0n && !isExpired(lot, at);
const spendable = (lot: ModelLot, at: number) => counts(lot, at) && !isPending(lot, at);

/** Earliest expiry first, never-expiring last; ties by earned time, then lot id. */
function fifo(lots: readonly ModelLot[], at: number): ModelLot[] {
  return lots
    .filter((lot) => spendable(lot, at))
    .sort((a, b) => {
      const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
      const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
      if (ea !== eb) return ea < eb ? -1 : 1;
      if (a.earnedAt !== b.earnedAt) return a.earnedAt - b.earnedAt;
      return a.id - b.id;
    });
}

/** Take up to `coins` from the spendable lots in FIFO order; returns the moves and what is missing. */
function take(lots: readonly ModelLot[], coins: bigint, at: number) {
  const moves: { lotId: number; coins: bigint }[] = [];
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

function figures(account: ModelAccount, at: number) {
  let available = 0n;
  let pending = 0n;
  let next: { at: number; coins: bigint } | null = null;
  for (const lot of account.lots) {
    if (!counts(lot, at)) continue;
    if (isPending(lot, at)) pending += lot.remaining;
    else available += lot.remaining;
    if (lot.expiresAt === null) continue;
    if (next === null || lot.expiresAt < next.at)
      next = { at: lot.expiresAt, coins: lot.remaining };
    else if (lot.expiresAt === next.at) next.coins += lot.remaining;
  }
  return { available, pending, next };
}

function newModel(policy: "debt" | "cap", now: number): Model {
  return {
    now,
    policy,
    accounts: { u1: { lots: [], debt: 0n }, u2: { lots: [], debt: 0n } },
    booked: [],
    requests: 0,
  };
}

// ---------------------------------------------------------------------------
// Checks after every step

const asMoves = (lots: readonly { lotId: number; coins: string }[]) =>
  lots.map((move) => ({ lotId: move.lotId, coins: wholeCoins(move.coins) }));

async function expectFailure(
  promise: Promise<unknown>,
  code: string,
  label: string,
): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok)
    throw new Error(`${label}: expected ${code}, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error, label).toMatchObject({ code });
}

async function verify(model: Model, world: World): Promise<void> {
  for (const userId of USERS) await verifyAccount(model, world, userId);
}

async function verifyAccount(model: Model, world: World, userId: UserId): Promise<void> {
  const account = model.accounts[userId];
  const at = model.now;
  const where = `${userId} at ${iso(at)}`;
  const expected = figures(account, at);

  // Balance equals the model.
  const balance = await world.coins.balance(userId);
  expect(wholeCoins(balance.available), `${where}: available`).toBe(expected.available);
  expect(wholeCoins(balance.pending), `${where}: pending`).toBe(expected.pending);
  expect(wholeCoins(balance.debt), `${where}: debt`).toBe(account.debt);
  expect(units(balance.value), `${where}: value`).toBe(units(expected.available) / 4n);
  if (expected.next === null) expect(balance.nextExpiry, `${where}: nextExpiry`).toBeNull();
  else {
    expect(Date.parse(balance.nextExpiry?.at ?? ""), `${where}: nextExpiry.at`).toBe(
      expected.next.at,
    );
    expect(wholeCoins(balance.nextExpiry?.coins ?? ""), `${where}: nextExpiry.coins`).toBe(
      expected.next.coins,
    );
  }

  // Lots: within bounds, and equal to the model's where they still count.
  const snapshot = await world.store.loadAccount(world.programId, userId, {
    usageKeys: [],
    requestIds: [],
    lotIds: account.lots.map((lot) => lot.id),
  });
  expect(wholeCoins(snapshot.debt), `${where}: stored debt`).toBe(account.debt);
  const stored = new Map<number, Lot>(snapshot.lots.map((lot) => [lot.id, lot]));
  for (const lot of snapshot.lots) {
    const remaining = wholeCoins(lot.remaining);
    expect(remaining >= 0n, `${where}: lot ${lot.id} below zero (${lot.remaining})`).toBe(true);
    expect(remaining <= wholeCoins(lot.coins), `${where}: lot ${lot.id} above its coins`).toBe(
      true,
    );
    expect(
      account.lots.some((own) => own.id === lot.id),
      `${where}: lot ${lot.id} is not one the model booked`,
    ).toBe(true);
  }
  for (const lot of account.lots) {
    const actual = stored.get(lot.id);
    expect(actual, `${where}: lot ${lot.id} missing`).toBeDefined();
    if (actual === undefined) continue;
    expect(
      [actual.earnedAt, actual.availableAt, actual.expiresAt],
      `${where}: lot ${lot.id} times`,
    ).toEqual([lot.earnedAt, lot.availableAt, lot.expiresAt]);
    expect([lot.coins, lot.coins - lot.paid], `${where}: lot ${lot.id} coins`).toContain(
      wholeCoins(actual.coins),
    );
    if (!isExpired(lot, at)) {
      expect(wholeCoins(actual.remaining), `${where}: lot ${lot.id} remaining`).toBe(lot.remaining);
    }
  }

  // History: newest first, sums to the booked balance, and conserves coins.
  const history = await allHistory(world.coins, userId, 7);
  let lotsHeld = 0n;
  let expiredUnswept = 0n;
  for (const lot of snapshot.lots) {
    const remaining = wholeCoins(lot.remaining);
    lotsHeld += remaining;
    if (lot.expiresAt !== null && lot.expiresAt <= at) expiredUnswept += remaining;
  }
  const booked = lotsHeld - account.debt;
  const byType: Record<string, bigint> = {
    earn: 0n,
    adjust: 0n,
    redeem: 0n,
    expire: 0n,
    reverse: 0n,
    restore: 0n,
  };
  let running = 0n;
  const ascending = [...history].reverse();
  for (let i = 0; i < ascending.length; i++) {
    const entry = ascending[i];
    if (entry === undefined) continue;
    const coins = wholeCoins(entry.coins);
    const label = `${where}: entry seq ${entry.seq} (${entry.type})`;
    if (i > 0) expect(entry.seq > (ascending[i - 1]?.seq ?? 0), `${label}: seq order`).toBe(true);
    if (entry.type === "earn" || entry.type === "restore")
      expect(coins > 0n, `${label}: sign`).toBe(true);
    if (entry.type === "redeem" || entry.type === "expire" || entry.type === "reverse") {
      expect(coins < 0n, `${label}: sign`).toBe(true);
    }
    byType[entry.type] = (byType[entry.type] ?? 0n) + coins;
    running += coins;
    expect(wholeCoins(entry.balanceAfter), `${label}: balanceAfter`).toBe(running);
  }
  expect(running, `${where}: history sums to the booked balance`).toBe(booked);
  const newest = history[0];
  if (newest !== undefined)
    expect(wholeCoins(newest.debtAfter), `${where}: debtAfter`).toBe(account.debt);
  const left =
    (byType.earn ?? 0n) +
    (byType.adjust ?? 0n) +
    (byType.redeem ?? 0n) +
    (byType.expire ?? 0n) +
    (byType.reverse ?? 0n) +
    (byType.restore ?? 0n);
  expect(left, `${where}: conservation`).toBe(
    expected.available + expected.pending - account.debt + expiredUnswept,
  );
}

// ---------------------------------------------------------------------------
// Commands

type Cmd = fc.AsyncCommand<Model, World>;

function nextRequestId(model: Model, prefix: string): string {
  model.requests += 1;
  return `${prefix}${model.requests}`;
}

function record(model: Model, booked: Booked): void {
  model.booked.push(booked);
}

async function historyLength(coins: Coinage, userId: string): Promise<number> {
  return (await allHistory(coins, userId, 100)).length;
}

class Allocate implements Cmd {
  constructor(
    readonly userId: UserId,
    readonly event: ModelEvent,
  ) {}

  check(model: Readonly<Model>): boolean {
    return this.event.id !== "DATED" || model.now < DATED_AT;
  }

  async run(model: Model, world: World): Promise<void> {
    const requestId = nextRequestId(model, "a");
    const input = { userId: this.userId, event: this.event.id, requestId };
    const result = await world.coins.allocate(input);
    const account = model.accounts[this.userId];
    const earned = this.event.coins;
    const paid = minBig(account.debt, earned);
    account.debt -= paid;
    expect(wholeCoins(result.coins), "allocate: coins").toBe(earned);
    expect(wholeCoins(result.debtPaid), "allocate: debtPaid").toBe(paid);
    const expiry = expiresAt(this.event, model.now);
    expect(
      result.expiresAt === null ? null : Date.parse(result.expiresAt),
      "allocate: expiresAt",
    ).toBe(expiry);
    expect(Date.parse(result.earnedAt), "allocate: earnedAt").toBe(model.now);
    if (result.lotId === null) {
      expect(earned - paid, "allocate: a lot holding coins has an id").toBe(0n);
    } else {
      const last = Math.max(0, ...account.lots.map((lot) => lot.id));
      expect(result.lotId > last, "allocate: lot ids increase").toBe(true);
      account.lots.push({
        id: result.lotId,
        coins: earned,
        paid,
        remaining: earned - paid,
        earnedAt: model.now,
        availableAt: model.now + this.event.activationMs,
        expiresAt: expiry,
      });
    }
    record(model, {
      kind: "allocate",
      requestId,
      userId: this.userId,
      input,
      result,
      coins: earned,
      reversed: 0n,
      lotId: result.lotId,
      parts: [],
    });
    await verify(model, world);
  }

  toString(): string {
    return `allocate(${this.userId}, ${this.event.id})`;
  }
}

/** `share`: percent of the available coins to redeem (at least 1); `"over"` = more than is available. */
class Redeem implements Cmd {
  constructor(
    readonly userId: UserId,
    readonly share: number | "over",
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, world: World): Promise<void> {
    const requestId = nextRequestId(model, "x");
    const account = model.accounts[this.userId];
    const { available } = figures(account, model.now);
    let coins = this.share === "over" ? available + 1n : (available * BigInt(this.share)) / 100n;
    if (coins < 1n) coins = 1n;
    const input = { userId: this.userId, coins: coins.toString(), requestId };
    if (available < coins) {
      const before = await historyLength(world.coins, this.userId);
      await expectFailure(
        world.coins.redeem(input),
        "INSUFFICIENT_COINS",
        `redeem ${coins} of ${available}`,
      );
      expect(
        await historyLength(world.coins, this.userId),
        "a failed redemption writes nothing",
      ).toBe(before);
      await verify(model, world);
      return;
    }
    const result = await world.coins.redeem(input);
    const plan = take(account.lots, coins, model.now);
    expect(plan.missing).toBe(0n);
    expect(asMoves(result.lots), "redeem: lots consumed in FIFO order").toEqual(plan.moves);
    expect(wholeCoins(result.coins)).toBe(coins);
    record(model, {
      kind: "redeem",
      requestId,
      userId: this.userId,
      input,
      result,
      coins,
      reversed: 0n,
      lotId: null,
      parts: plan.moves,
    });
    await verify(model, world);
  }

  toString(): string {
    return `redeem(${this.userId}, ${this.share === "over" ? "over" : `${this.share}%`})`;
  }
}

/** `share`: percent of what is left to reverse; `null` = the whole remainder; `"over"` = one more than is left. */
type Share = number | null | "over";

class Reverse implements Cmd {
  constructor(
    readonly kind: "allocate" | "redeem",
    readonly pick: number,
    readonly share: Share,
  ) {}

  #targets(model: Readonly<Model>): readonly Booked[] {
    return model.booked.filter((booked) => booked.kind === this.kind);
  }

  check(model: Readonly<Model>): boolean {
    return this.#targets(model).length > 0;
  }

  async run(model: Model, world: World): Promise<void> {
    const targets = this.#targets(model);
    const target = targets[this.pick % targets.length] as Booked;
    const left = target.coins - target.reversed;
    const requestId = nextRequestId(model, "r");
    if (this.share === "over" || left === 0n) {
      const input = { requestId, of: target.requestId, coins: (left + 1n).toString() };
      const before = await historyLength(world.coins, target.userId);
      await expectFailure(
        world.coins.reverse(input),
        "REVERSAL_EXCEEDS_ORIGINAL",
        `reverse ${left + 1n} of ${left}`,
      );
      expect(
        await historyLength(world.coins, target.userId),
        "a failed reversal writes nothing",
      ).toBe(before);
      await verify(model, world);
      return;
    }
    let want = left;
    let input: Record<string, unknown> = { requestId, of: target.requestId };
    if (this.share !== null) {
      want = (left * BigInt(this.share)) / 100n;
      if (want < 1n) want = 1n;
      input = { ...input, coins: want.toString() };
    }
    const result = await world.coins.reverse(input as { requestId: string; of: string });
    expect(wholeCoins(result.coins), "reverse: coins").toBe(want);
    const account = model.accounts[target.userId];
    if (target.kind === "allocate") this.#allocation(model, account, target, want, result);
    else this.#redemption(model, account, target, want, result);
    target.reversed += want;
    record(model, {
      kind: "reverse",
      requestId,
      userId: target.userId,
      input,
      result,
      coins: want,
      reversed: 0n,
      lotId: null,
      parts: [],
    });
    await verify(model, world);
  }

  #allocation(
    model: Model,
    account: ModelAccount,
    target: Booked,
    want: bigint,
    result: Awaited<ReturnType<Coinage["reverse"]>>,
  ): void {
    expect(result.kind).toBe("allocation");
    const moves: { lotId: number; coins: bigint }[] = [];
    let left = want;
    const own = account.lots.find((lot) => lot.id === target.lotId);
    if (own !== undefined && counts(own, model.now)) {
      const amount = minBig(own.remaining, left);
      own.remaining -= amount;
      left -= amount;
      moves.push({ lotId: own.id, coins: amount });
    }
    const rest = take(account.lots, left, model.now);
    moves.push(...rest.moves);
    const missing = rest.missing;
    if (model.policy === "debt") account.debt += missing;
    expect(asMoves(result.lots), "reverse allocation: own lot first, then FIFO").toEqual(moves);
    expect(wholeCoins(result.taken), "reverse allocation: taken").toBe(want - missing);
    expect(wholeCoins(result.debt), "reverse allocation: debt").toBe(
      model.policy === "debt" ? missing : 0n,
    );
    expect(wholeCoins(result.forgiven), "reverse allocation: forgiven").toBe(
      model.policy === "cap" ? missing : 0n,
    );
  }

  #redemption(
    model: Model,
    account: ModelAccount,
    target: Booked,
    want: bigint,
    result: Awaited<ReturnType<Coinage["reverse"]>>,
  ): void {
    expect(result.kind).toBe("redemption");
    // Undo the consumption from its last part backwards; skip what earlier reversals put back.
    let skip = target.reversed;
    let left = want;
    let expired = 0n;
    const moves: { lotId: number; coins: bigint }[] = [];
    for (const part of [...target.parts].reverse()) {
      let open = part.coins;
      const skipped = minBig(skip, open);
      open -= skipped;
      skip -= skipped;
      if (open === 0n || left === 0n) continue;
      const amount = minBig(open, left);
      left -= amount;
      moves.push({ lotId: part.lotId, coins: amount });
      const lot = account.lots.find((candidate) => candidate.id === part.lotId) as ModelLot;
      if (isExpired(lot, model.now)) expired += amount;
      else lot.remaining += amount;
    }
    expect(left).toBe(0n);
    expect(asMoves(result.lots), "reverse redemption: lots, last consumed first").toEqual(moves);
    expect(wholeCoins(result.restored), "reverse redemption: restored").toBe(want);
    expect(wholeCoins(result.expired), "reverse redemption: expired at once").toBe(expired);
  }

  toString(): string {
    return `reverse(${this.kind} #${this.pick}, ${this.share === null ? "whole" : this.share === "over" ? "over" : `${this.share}%`})`;
  }
}

/** A manual adjustment: a credit of `coins` (expiring after `days`, or never), or a debit of `share` percent. */
type Adjustment =
  | { readonly credit: bigint; readonly days: number | null }
  | { readonly debit: number | "over" };

class Adjust implements Cmd {
  constructor(
    readonly userId: UserId,
    readonly adjustment: Adjustment,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, world: World): Promise<void> {
    const requestId = nextRequestId(model, "j");
    const account = model.accounts[this.userId];
    const adjustment = this.adjustment;
    if ("credit" in adjustment) {
      const expiry = adjustment.days === null ? null : model.now + adjustment.days * DAY;
      const input = {
        userId: this.userId,
        coins: adjustment.credit.toString(),
        requestId,
        reason: "model credit",
        expiresAt: expiry === null ? null : iso(expiry),
      };
      const result = await world.coins.adjust(input);
      const paid = minBig(account.debt, adjustment.credit);
      account.debt -= paid;
      expect(result.lots, "adjust: a credit books one lot").toHaveLength(1);
      const lotId = result.lots[0]?.lotId as number;
      expect(
        lotId > Math.max(0, ...account.lots.map((lot) => lot.id)),
        "adjust: lot ids increase",
      ).toBe(true);
      account.lots.push({
        id: lotId,
        coins: adjustment.credit,
        paid,
        remaining: adjustment.credit - paid,
        earnedAt: model.now,
        availableAt: model.now,
        expiresAt: expiry,
      });
      record(model, {
        kind: "adjust",
        requestId,
        userId: this.userId,
        input,
        result,
        coins: adjustment.credit,
        reversed: 0n,
        lotId,
        parts: [],
      });
      await verify(model, world);
      return;
    }
    const { available } = figures(account, model.now);
    let coins =
      adjustment.debit === "over" ? available + 1n : (available * BigInt(adjustment.debit)) / 100n;
    if (coins < 1n) coins = 1n;
    const input = {
      userId: this.userId,
      coins: (-coins).toString(),
      requestId,
      reason: "model debit",
    };
    if (available < coins) {
      const before = await historyLength(world.coins, this.userId);
      await expectFailure(
        world.coins.adjust(input),
        "INSUFFICIENT_COINS",
        `adjust -${coins} of ${available}`,
      );
      expect(
        await historyLength(world.coins, this.userId),
        "a failed adjustment writes nothing",
      ).toBe(before);
      await verify(model, world);
      return;
    }
    const result = await world.coins.adjust(input);
    const plan = take(account.lots, coins, model.now);
    expect(asMoves(result.lots), "adjust: a debit spends in FIFO order").toEqual(plan.moves);
    record(model, {
      kind: "adjust",
      requestId,
      userId: this.userId,
      input,
      result,
      coins,
      reversed: 0n,
      lotId: null,
      parts: plan.moves,
    });
    await verify(model, world);
  }

  toString(): string {
    const a = this.adjustment;
    if ("credit" in a)
      return `adjust(${this.userId}, +${a.credit}, ${a.days === null ? "never" : `${a.days}d`})`;
    return `adjust(${this.userId}, -${a.debit === "over" ? "over" : `${a.debit}%`})`;
  }
}

class Expire implements Cmd {
  check(): boolean {
    return true;
  }

  async run(model: Model, world: World): Promise<void> {
    let coins = 0n;
    let lots = 0;
    let accounts = 0;
    for (const userId of USERS) {
      const snapshot = await world.lots(userId);
      const due = snapshot.filter(
        (lot) =>
          lot.expiresAt !== null && lot.expiresAt <= model.now && wholeCoins(lot.remaining) > 0n,
      );
      if (due.length > 0) accounts += 1;
      lots += due.length;
      for (const lot of due) coins += wholeCoins(lot.remaining);
    }
    const first = await world.coins.expire();
    expect([first.accounts, first.lots, wholeCoins(first.coins)], "expire: what was due").toEqual([
      accounts,
      lots,
      coins,
    ]);
    await verify(model, world);
    const second = await world.coins.expire();
    expect(
      [second.accounts, second.lots, wholeCoins(second.coins)],
      "expire: a second run",
    ).toEqual([0, 0, 0n]);
  }

  toString(): string {
    return "expire()";
  }
}

class Advance implements Cmd {
  constructor(readonly hours: number) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, world: World): Promise<void> {
    model.now += this.hours * HOUR;
    world.clock.set(model.now);
    await verify(model, world);
  }

  toString(): string {
    return `advance(${this.hours}h)`;
  }
}

class Replay implements Cmd {
  constructor(
    readonly pick: number,
    readonly conflict: boolean,
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.booked.length > 0;
  }

  async run(model: Model, world: World): Promise<void> {
    const target = model.booked[this.pick % model.booked.length] as Booked;
    const before = await historyLength(world.coins, target.userId);
    const send = (input: Record<string, unknown>): Promise<unknown> => {
      if (target.kind === "allocate") return world.coins.allocate(input as never);
      if (target.kind === "redeem") return world.coins.redeem(input as never);
      if (target.kind === "adjust") return world.coins.adjust(input as never);
      return world.coins.reverse(input as never);
    };
    if (this.conflict) {
      await expectFailure(
        send(altered(target)),
        "IDEMPOTENCY_CONFLICT",
        `conflicting replay of ${target.requestId}`,
      );
    } else {
      expect(await send(target.input), `replay of ${target.requestId}`).toEqual(target.result);
    }
    expect(await historyLength(world.coins, target.userId), "a replay writes nothing").toBe(before);
    await verify(model, world);
  }

  toString(): string {
    return `${this.conflict ? "conflict" : "replay"}(#${this.pick})`;
  }
}

/** The same requestId with another payload. */
function altered(target: Booked): Record<string, unknown> {
  const input = target.input;
  if (target.kind === "allocate") {
    return { ...input, event: input.event === "NEVER" ? "MONTH" : "NEVER" };
  }
  if (target.kind === "redeem") return { ...input, coins: (target.coins + 1n).toString() };
  if (target.kind === "adjust") return { ...input, reason: "another reason" };
  return { ...input, coins: (target.coins + 1n).toString() };
}

const allocate = fc
  .tuple(fc.constantFrom(...USERS), fc.constantFrom(...EVENTS))
  .map(([user, event]) => new Allocate(user, event));
const redeem = fc
  .tuple(
    fc.constantFrom(...USERS),
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 100 }) },
      { weight: 1, arbitrary: fc.constant("over" as const) },
    ),
  )
  .map(([user, share]) => new Redeem(user, share));
const reverse = fc
  .tuple(
    fc.constantFrom("allocate" as const, "redeem" as const),
    fc.nat(50),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 99 }) },
      { weight: 1, arbitrary: fc.constant("over" as const) },
    ),
  )
  .map(([kind, pick, share]) => new Reverse(kind, pick, share));
const adjust = fc
  .tuple(
    fc.constantFrom(...USERS),
    fc.oneof(
      fc.record({
        credit: fc.bigInt({ min: 1n, max: 80n }),
        days: fc.option(fc.integer({ min: 1, max: 15 })),
      }),
      fc.record({
        debit: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant("over" as const)),
      }),
    ),
  )
  .map(([user, adjustment]) => new Adjust(user, adjustment));
const expire = fc.constant(null).map(() => new Expire());
const advance = fc
  .oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 24, max: 24 * 12 }))
  .map((hours) => new Advance(hours));
const replay = fc
  .tuple(fc.nat(50), fc.boolean())
  .map(([pick, conflict]) => new Replay(pick, conflict));

/** Listed twice to be picked twice as often. */
const commands = [
  allocate,
  allocate,
  allocate,
  redeem,
  redeem,
  reverse,
  reverse,
  reverse,
  adjust,
  expire,
  advance,
  advance,
  replay,
];

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
  return value;
}

export function modelSuite(ref: StoreRef): void {
  const runs = envInt("COINAGE_MODEL_RUNS") ?? 200;
  const seed =
    envInt("COINAGE_MODEL_SEED") ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  const path = process.env.COINAGE_MODEL_PATH;
  const maxCommands = envInt("COINAGE_MODEL_COMMANDS") ?? 40;

  it(
    `model - should agree with a reference model over ${runs} random command sequences`,
    async () => {
      const store = storeOf(ref);
      const property = fc.asyncProperty(
        fc.constantFrom("debt" as const, "cap" as const),
        fc.commands(commands, { maxCommands, size: "max" }),
        async (policy, cmds) => {
          const setup = async () => {
            const world = newWorld(store, { clawback: policy });
            for (const event of EVENTS) {
              await world.coins.events.create(
                fixed(event.id, event.coins.toString(), {
                  expiry: event.expiry ?? "never",
                  ...(event.activationMs > 0
                    ? { activation: { days: event.activationMs / DAY } }
                    : {}),
                }),
              );
            }
            return { model: newModel(policy, world.clock.ms), real: world };
          };
          await fc.asyncModelRun(setup, cmds);
        },
      );
      const details = await fc.check(property, {
        numRuns: runs,
        seed,
        ...(path === undefined ? {} : { path, endOnFailure: true }),
      });
      if (details.failed) {
        const report = fc.defaultReportMessage(details) ?? "the property failed";
        throw new Error(
          `${report}\n\nReplay with: COINAGE_MODEL_SEED=${details.seed} COINAGE_MODEL_PATH="${details.counterexamplePath ?? ""}"`,
          { cause: details.errorInstance },
        );
      }
    },
    Math.min(2 ** 31 - 1, Math.max(60_000, runs * 3_000)),
  );
}
