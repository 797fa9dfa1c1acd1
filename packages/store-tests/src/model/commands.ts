/**
 * The model's commands: each sends one thing to the engine, applies the
 * same to the model, compares the answers, and checks the accounts it
 * touched. `commandArbs` generates them.
 */
import type { Coinage } from "@coinage/core";
import fc from "fast-check";
import { expect } from "vitest";
import { fromUnits, HOUR, iso, units } from "../harness.js";
import {
  applyPatch,
  EVENT_IDS,
  type EventPatch,
  needsAmount,
  patchArb,
  patchInput,
} from "./catalog.js";
import {
  count,
  expectAnswer,
  expectBalance,
  expectFigure,
  expectReward,
  expectWithinCaps,
  type Real,
  verifyBudget,
  verifyUser,
} from "./checks.js";
import {
  account,
  apply,
  type Expected,
  expireAll,
  figures,
  type ModelLot,
  type ModelState,
  nextRequestId,
  type Request,
  requestOf,
  reversible,
  SCALE,
  spendableCoins,
  usageOf,
  userOf,
} from "./ledger.js";
import { inactiveReason, reward } from "./rules.js";

/** fast-check's model: a box, so a concurrent step can replace the whole state with the order it chose. */
export interface Model {
  state: ModelState;
}

export type Cmd = fc.AsyncCommand<Model, Real>;

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export const settle = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export function send(coins: Coinage, request: Request): Promise<unknown> {
  switch (request.op) {
    case "allocate":
      return coins.allocate(request.input);
    case "redeem":
      return coins.redeem(request.input);
    case "reverse":
      return coins.reverse(request.input);
    case "adjust":
      return coins.adjust(request.input);
  }
}

/** One coin at the program's scale, in model units. */
export const coinUnit = (state: ModelState): bigint =>
  10n ** BigInt(SCALE - state.program.coinScale);

/** `share` percent of `coins`, rounded down to the coin scale, at least one unit. */
export function shareOf(state: ModelState, coins: bigint, share: number): bigint {
  const unit = coinUnit(state);
  const part = ((coins * BigInt(share)) / 100n / unit) * unit;
  return part < unit ? unit : part;
}

/**
 * Send a request, apply it to the model, compare. Checks the caps are kept
 * (with the usage before the allocation) and the balance in the answer.
 */
export async function step(
  model: Model,
  real: Real,
  request: Request,
  label: string,
): Promise<Expected> {
  const outcome = await settle(send(real.world.coins, request));
  real.tally.commands += 1;
  const expected = judge(model.state, request, outcome, label);
  count(real.tally, describeExpected(request, expected));
  return expected;
}

/** A short name for the kind of answer, for the statistics. */
export function describeExpected(request: Request, expected: Expected): string {
  switch (expected.kind) {
    case "error":
      return `${request.op}: ${expected.code}`;
    case "allocate":
      return expected.reward.ineligible.length > 0
        ? `allocate: ${expected.reward.ineligible.join("|")}`
        : `allocate: ${expected.coins > 0n ? "coins" : "zero"}${expected.reward.clips.length > 0 ? " clipped" : ""}`;
    case "reverseAllocation":
      return `reverse allocation${expected.debt > 0n ? " with debt" : ""}${expected.forgiven > 0n ? " forgiven" : ""}`;
    case "reverseRedemption":
      return `reverse redemption${expected.repaid > 0n ? " repaying a reversed allocation" : ""}${expected.expired > 0n ? " expired at once" : ""}`;
    default:
      return `${request.op}: ${expected.kind}`;
  }
}

/** Apply `request` to the model and compare with the engine's `outcome`. */
export function judge(
  state: ModelState,
  request: Request,
  outcome: Outcome,
  label: string,
): Expected {
  if (request.op === "allocate" && outcome.ok && !state.requests.has(request.input.requestId)) {
    const coins = units((outcome.value as { coins: string }).coins);
    expectWithinCaps(state, request.input.userId, request.input.event, coins, label);
  }
  const expected = apply(state, request);
  expectAnswer(outcome, expected, label);
  if (expected.kind !== "replay" && expected.kind !== "error" && outcome.ok) {
    const record = state.requests.get(request.input.requestId);
    if (record !== undefined) record.result = outcome.value;
    const balance = (outcome.value as { balance?: Parameters<typeof expectBalance>[0] }).balance;
    const user = userOf(state, request);
    if (balance !== undefined && user !== undefined)
      expectBalance(
        balance,
        figures(account(state, user), state.now),
        state.program.coinValue,
        `${label}: balance in the answer`,
      );
  }
  return expected;
}

export async function verifyAfter(
  model: Model,
  real: Real,
  users: Iterable<string>,
  events: Iterable<string> = [],
) {
  for (const user of new Set(users)) await verifyUser(model.state, real, user);
  for (const event of new Set(events)) await verifyBudget(model.state, real, event);
}

const eventAt = (state: ModelState, index: number): string => {
  const ids = [...state.events.keys()];
  return ids[index % ids.length] as string;
};
const userAt = (state: ModelState, index: number): string =>
  state.users[index % state.users.length] as string;

// ---------------------------------------------------------------------------

/** An amount: a string, `null` = none for events that need none, `"missing"` = none even when needed. */
export type AmountSpec = string | null | "missing";

function amountFor(state: ModelState, eventId: string, amount: AmountSpec): string | undefined {
  if (amount === "missing") return undefined;
  const spec = state.events.get(eventId)?.spec;
  if (amount === null) return spec !== undefined && needsAmount(spec) ? "250" : undefined;
  return amount;
}

export function allocation(
  state: ModelState,
  user: number,
  event: number,
  amount: AmountSpec,
  special?: number,
): Extract<Request, { op: "allocate" }> {
  const eventId = eventAt(state, event);
  const value = amountFor(state, eventId, amount);
  return {
    op: "allocate",
    input: {
      userId: userAt(state, user),
      event: eventId,
      requestId: nextRequestId(state, "a", special),
      ...(value === undefined ? {} : { amount: value }),
    },
  };
}

class Allocate implements Cmd {
  constructor(
    readonly user: number,
    readonly event: number,
    readonly amount: AmountSpec,
    readonly special: number | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const request = allocation(model.state, this.user, this.event, this.amount, this.special);
    await step(model, real, request, `allocate ${JSON.stringify(request.input)}`);
    await verifyAfter(model, real, [request.input.userId], [request.input.event]);
  }
  toString = () =>
    `allocate(u${this.user}, e${this.event}, ${JSON.stringify(this.amount)}${this.special === undefined ? "" : `, id#${this.special}`})`;
}

export type BulkItem =
  | {
      readonly t: "new";
      readonly user: number;
      readonly event: number;
      readonly amount: AmountSpec;
    }
  | { readonly t: "replay" | "conflict"; readonly pick: number }
  | { readonly t: "unknownEvent" | "badUser"; readonly user: number }
  | { readonly t: "dup"; readonly index: number };

class AllocateMany implements Cmd {
  constructor(readonly items: readonly BulkItem[]) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const allocations = state.order.filter((id) => state.requests.get(id)?.op === "allocate");
    const requests: Extract<Request, { op: "allocate" }>[] = [];
    for (const item of this.items) {
      switch (item.t) {
        case "new":
          requests.push(allocation(state, item.user, item.event, item.amount));
          break;
        case "replay":
        case "conflict": {
          const id = allocations[item.pick % Math.max(1, allocations.length)];
          const record = id === undefined ? undefined : state.requests.get(id);
          if (record === undefined) {
            requests.push(allocation(state, item.pick, item.pick, null));
            break;
          }
          const original = requestOf(record) as Extract<Request, { op: "allocate" }>;
          requests.push(
            item.t === "replay"
              ? original
              : { op: "allocate", input: { ...original.input, amount: "777.77" } },
          );
          break;
        }
        case "unknownEvent":
          requests.push({
            op: "allocate",
            input: {
              userId: userAt(state, item.user),
              event: "NO_SUCH_EVENT",
              requestId: nextRequestId(state, "m"),
            },
          });
          break;
        case "badUser":
          requests.push({
            op: "allocate",
            input: {
              userId: "",
              event: eventAt(state, item.user),
              requestId: nextRequestId(state, "m"),
            },
          });
          break;
        case "dup": {
          const earlier = requests[item.index % Math.max(1, requests.length)];
          requests.push(earlier ?? allocation(state, item.index, item.index, null));
          break;
        }
      }
    }
    const label = `allocateMany ${JSON.stringify(requests.map((r) => r.input))}`;
    const results = await real.world.coins.allocateMany(requests.map((r) => r.input));
    real.tally.commands += requests.length;
    expect(results, `${label}: one result per item`).toHaveLength(requests.length);
    const users = new Set<string>();
    const events = new Set<string>();
    requests.forEach((request, i) => {
      const result = results[i];
      const outcome: { ok: true; value: unknown } | { ok: false; error: unknown } = result?.ok
        ? { ok: true, value: result.result }
        : { ok: false, error: result?.error };
      const expected = judge(state, request, outcome, `${label} item ${i}`);
      if (result?.ok)
        expect(result.replayed, `${label} item ${i}: replayed`).toBe(expected.kind === "replay");
      users.add(request.input.userId);
      events.add(request.input.event);
    });
    users.delete("");
    await verifyAfter(
      model,
      real,
      users,
      [...events].filter((e) => state.events.has(e)),
    );
  }
  toString = () => `allocateMany(${JSON.stringify(this.items)})`;
}

/** A redemption of `share` percent of what the user can spend, or one coin unit more than that. */
export function redemption(
  state: ModelState,
  user: number,
  share: number | "over",
  special?: number,
): Request {
  // A share goes to a user who has coins to spend, when there is one.
  const holders = state.users.filter((u) => spendableCoins(account(state, u), state.now) > 0n);
  const userId =
    share === "over" || holders.length === 0
      ? userAt(state, user)
      : (holders[user % holders.length] as string);
  const spendable = spendableCoins(account(state, userId), state.now);
  const coins = share === "over" ? spendable + coinUnit(state) : shareOf(state, spendable, share);
  return {
    op: "redeem",
    input: { userId, coins: fromUnits(coins), requestId: nextRequestId(state, "x", special) },
  };
}

class Redeem implements Cmd {
  constructor(
    readonly user: number,
    readonly share: number | "over",
    readonly special: number | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const request = redemption(state, this.user, this.share, this.special);
    const userId = request.op === "redeem" ? request.input.userId : "";
    const spendable = spendableCoins(account(state, userId), state.now);
    await step(
      model,
      real,
      request,
      `redeem ${JSON.stringify(request.input)} of ${fromUnits(spendable)}`,
    );
    await verifyAfter(model, real, [userId]);
  }
  toString = () =>
    `redeem(u${this.user}, ${this.share === "over" ? "over" : `${this.share}%`}${this.special === undefined ? "" : `, id#${this.special}`})`;
}

/**
 * Which request a reversal picks: any allocation or redemption; "linked":
 * a redemption that spent coins of an allocation reversed since (or of a
 * lot that expired), else an allocation whose coins were spent; "bad": an
 * adjustment or reversal (NOT_REVERSIBLE), an unknown id, or itself.
 */
export type ReverseTarget = "allocation" | "redemption" | "linked" | "bad";
export type ReverseShare = number | "whole" | "over";

function linkedTarget(state: ModelState, pick: number): string | undefined {
  const lotOf = (user: string, lotId: number) =>
    account(state, user).lots.find((l) => l.id === lotId);
  const redemptionsWith = (test: (lot: ModelLot) => boolean) =>
    state.order.filter((id) => {
      const r = state.requests.get(id);
      if (r?.op !== "redeem" || reversible(state, id) <= 0n) return false;
      return r.parts.some((p) => {
        const lot = lotOf(r.userId, p.lotId);
        return lot !== undefined && test(lot);
      });
    });
  const allocationReversed = (lot: ModelLot) => {
    const source = lot.requestId === null ? undefined : state.requests.get(lot.requestId);
    return lot.shortfall > 0n || (source !== undefined && source.reversed > 0n);
  };
  const spentAllocations = state.order.filter((id) => {
    const r = state.requests.get(id);
    if (r?.op !== "allocate" || r.lotId === null || reversible(state, id) <= 0n) return false;
    const lot = lotOf(r.userId, r.lotId);
    return lot !== undefined && lot.remaining < lot.coins;
  });
  const expiredLot = (lot: ModelLot) => lot.expiresAt !== null && lot.expiresAt <= state.now;
  // Mostly: undo a redemption whose allocation was reversed; else reverse an allocation whose
  // coins were spent (which makes such a redemption); now and then one that spent expired coins.
  const kinds =
    pick % 4 === 0
      ? [redemptionsWith(expiredLot), redemptionsWith(allocationReversed), spentAllocations]
      : [redemptionsWith(allocationReversed), spentAllocations, redemptionsWith(expiredLot)];
  const list = kinds.find((k) => k.length > 0) ?? [];
  return list[list.length - 1 - (pick % Math.max(1, list.length))];
}

export function reversal(
  state: ModelState,
  target: ReverseTarget,
  pick: number,
  share: ReverseShare,
  special?: number,
): Request {
  const requestId = nextRequestId(state, "r", special);
  let of: string | undefined;
  if (target === "bad") {
    const others = state.order.filter((id) => {
      const op = state.requests.get(id)?.op;
      return op === "adjust" || op === "reverse";
    });
    const choice = pick % 3;
    of =
      choice === 0
        ? others[pick % Math.max(1, others.length)]
        : choice === 1
          ? `unknown-${pick}`
          : requestId;
    of ??= `unknown-${pick}`;
  } else if (target === "linked") {
    of = linkedTarget(state, pick);
  } else {
    const op = target === "allocation" ? "allocate" : "redeem";
    // Mostly one with coins left to reverse; now and then any (which may have nothing left).
    const list = state.order.filter(
      (id) => state.requests.get(id)?.op === op && (pick % 5 === 0 || reversible(state, id) > 0n),
    );
    of = list[list.length - 1 - (pick % Math.max(1, list.length))];
  }
  const reversibleKinds = state.order.filter((id) => {
    const op = state.requests.get(id)?.op;
    return op === "allocate" || op === "redeem";
  });
  of ??= reversibleKinds[pick % Math.max(1, reversibleKinds.length)];
  of ??= `unknown-${pick}`;
  const left = reversible(state, of);
  if (share === "whole") return { op: "reverse", input: { requestId, of } };
  const coins = share === "over" ? left + coinUnit(state) : shareOf(state, left, share);
  return { op: "reverse", input: { requestId, of, coins: fromUnits(coins) } };
}

class Reverse implements Cmd {
  constructor(
    readonly target: ReverseTarget,
    readonly pick: number,
    readonly share: ReverseShare,
    readonly special: number | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const request = reversal(state, this.target, this.pick, this.share, this.special);
    const original = request.op === "reverse" ? state.requests.get(request.input.of) : undefined;
    const left = request.op === "reverse" ? reversible(state, request.input.of) : 0n;
    await step(
      model,
      real,
      request,
      `reverse ${JSON.stringify(request.input)} (${fromUnits(left)} left)`,
    );
    await verifyAfter(
      model,
      real,
      original === undefined ? [] : [original.userId],
      original?.eventId === null || original === undefined ? [] : [original.eventId],
    );
  }
  toString = () =>
    `reverse(${this.target} #${this.pick}, ${this.share === "whole" || this.share === "over" ? this.share : `${this.share}%`}${this.special === undefined ? "" : `, id#${this.special}`})`;
}

/**
 * Spend, refund, cancel: an allocation, a redemption of everything the
 * user can spend, then reversals of both in one of four orders — refund
 * then cancel; cancel part, refund, cancel the rest; refund part, cancel
 * part, refund and cancel the rest; or let the allocation's coins expire
 * first (advancing the clock to its expiry), then cancel and refund.
 */
class SpendRefundCancel implements Cmd {
  constructor(
    readonly user: number,
    readonly event: number,
    readonly amount: AmountSpec,
    readonly order: 0 | 1 | 2 | 3,
    readonly share: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const earn = allocation(state, this.user, this.event, this.amount);
    const userId = earn.input.userId;
    const label = `${this}`;
    const earned = await step(
      model,
      real,
      earn,
      `${label}: allocate ${JSON.stringify(earn.input)}`,
    );
    const spendable = spendableCoins(account(state, userId), state.now);
    if (earned.kind !== "allocate" || earned.coins === 0n || spendable === 0n) {
      await verifyAfter(model, real, [userId], [earn.input.event]);
      return;
    }
    const spend: Request = {
      op: "redeem",
      input: { userId, coins: fromUnits(spendable), requestId: nextRequestId(state, "x") },
    };
    await step(model, real, spend, `${label}: redeem everything`);
    const reverse = async (of: string, share: ReverseShare) => {
      const left = reversible(state, of);
      if (left === 0n) return;
      const input =
        share === "whole"
          ? { requestId: nextRequestId(state, "r"), of }
          : {
              requestId: nextRequestId(state, "r"),
              of,
              coins: fromUnits(shareOf(state, left, share as number)),
            };
      await step(
        model,
        real,
        { op: "reverse", input },
        `${label}: reverse ${JSON.stringify(input)} (${fromUnits(left)} left)`,
      );
    };
    const refund = (share: ReverseShare) => reverse(earn.input.requestId, share);
    const cancel = (share: ReverseShare) => reverse(spend.input.requestId, share);
    if (this.order === 0) {
      await refund("whole");
      await cancel("whole");
    } else if (this.order === 1) {
      await cancel(this.share);
      await refund("whole");
      await cancel("whole");
    } else if (this.order === 2) {
      await refund(this.share);
      await cancel(this.share);
      await refund("whole");
      await cancel("whole");
    } else {
      const lot = account(state, userId).lots.find((l) => l.id === earned.lotId);
      if (lot?.expiresAt != null && lot.expiresAt > state.now) {
        state.now = lot.expiresAt;
        real.world.clock.set(state.now);
      }
      await cancel(this.share);
      await refund("whole");
      await cancel("whole");
    }
    await verifyAfter(model, real, [userId], [earn.input.event]);
  }
  toString = () =>
    `spendRefundCancel(u${this.user}, e${this.event}, ${JSON.stringify(this.amount)}, order ${this.order}, ${this.share}%)`;
}

export type Adjustment =
  | { readonly credit: number; readonly days: number | null }
  | { readonly debit: number | "over" };

export function adjustment(state: ModelState, user: number, change: Adjustment): Request {
  const userId = userAt(state, user);
  const requestId = nextRequestId(state, "j");
  if ("credit" in change) {
    // Whole coins, plus a fraction at coin scale 2 (e.g. 5.85).
    const cents = state.program.coinScale === 2 ? BigInt((change.credit * 37) % 100) : 0n;
    const coins = BigInt(change.credit) * 10n ** BigInt(SCALE) + cents * 10n ** BigInt(SCALE - 2);
    return {
      op: "adjust",
      input: {
        userId,
        coins: fromUnits(coins),
        requestId,
        reason: "model credit",
        expiresAt: change.days === null ? null : iso(state.now + change.days * 24 * HOUR),
      },
    };
  }
  const spendable = spendableCoins(account(state, userId), state.now);
  const coins =
    change.debit === "over" ? spendable + coinUnit(state) : shareOf(state, spendable, change.debit);
  return {
    op: "adjust",
    input: { userId, coins: fromUnits(-coins), requestId, reason: "model debit" },
  };
}

class Adjust implements Cmd {
  constructor(
    readonly user: number,
    readonly change: Adjustment,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const request = adjustment(model.state, this.user, this.change);
    await step(model, real, request, `adjust ${JSON.stringify(request.input)}`);
    await verifyAfter(model, real, request.op === "adjust" ? [request.input.userId] : []);
  }
  toString = () => `adjust(u${this.user}, ${JSON.stringify(this.change)})`;
}

class Expire implements Cmd {
  constructor(readonly hoursBefore: number | null) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const cutoff = this.hoursBefore === null ? state.now : state.now - this.hoursBefore * HOUR;
    const options = this.hoursBefore === null ? undefined : { before: new Date(cutoff) };
    const first = await real.world.coins.expire(options);
    const expected = expireAll(state, cutoff);
    real.tally.commands += 1;
    expect([first.accounts, first.lots], "expire: accounts and lots").toEqual([
      expected.accounts,
      expected.lots,
    ]);
    expectFigure(first.coins, expected.coins, "expire: coins");
    const second = await real.world.coins.expire(options);
    expect([second.accounts, second.lots], "expire: a second run finds nothing").toEqual([0, 0]);
    await verifyAfter(model, real, state.users);
  }
  toString = () => `expire(${this.hoursBefore === null ? "" : `before now-${this.hoursBefore}h`})`;
}

class Advance implements Cmd {
  constructor(readonly hours: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    model.state.now += this.hours * HOUR;
    real.world.clock.set(model.state.now);
    real.tally.commands += 1;
    await verifyAfter(model, real, [userAt(model.state, this.hours)]);
  }
  toString = () => `advance(${this.hours}h)`;
}

class BalanceAt implements Cmd {
  constructor(
    readonly user: number,
    readonly hours: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const userId = userAt(state, this.user);
    const at = state.now + this.hours * HOUR;
    const balance = await real.world.coins.balance(userId, { at: new Date(at) });
    real.tally.commands += 1;
    const label = `balance of ${JSON.stringify(userId)} at ${iso(at)} (now ${iso(state.now)})`;
    expectBalance(balance, figures(account(state, userId), at), state.program.coinValue, label);
    expect(balance.asOf, `${label}: asOf`).toBe(iso(at));
  }
  toString = () => `balanceAt(u${this.user}, +${this.hours}h)`;
}

export type ReplayMode = "same" | "conflict" | "otherOp";

class Replay implements Cmd {
  constructor(
    readonly pick: number,
    readonly mode: ReplayMode,
  ) {}
  check = (model: Readonly<Model>) => model.state.order.length > 0;
  async run(model: Model, real: Real) {
    const state = model.state;
    const id = state.order[state.order.length - 1 - (this.pick % state.order.length)] as string;
    const record = state.requests.get(id);
    if (record === undefined) return;
    const original = requestOf(record);
    let request: Request = original;
    if (this.mode === "otherOp")
      request = {
        op: "adjust",
        input: { userId: record.userId, coins: "1", requestId: id, reason: "other operation" },
      };
    else if (this.mode === "conflict") request = altered(original);
    await step(model, real, request, `${this.mode} replay of ${JSON.stringify(original.input)}`);
    await verifyAfter(model, real, [record.userId]);
  }
  toString = () => `replay(#${this.pick}, ${this.mode})`;
}

/** The same request id with another payload. */
function altered(request: Request): Request {
  switch (request.op) {
    case "allocate":
      return {
        op: "allocate",
        input: { ...request.input, amount: request.input.amount === "1" ? "2" : "1" },
      };
    case "redeem":
      return {
        op: "redeem",
        input: {
          ...request.input,
          coins: fromUnits(units(request.input.coins) + 10n ** BigInt(SCALE)),
        },
      };
    case "reverse":
      return {
        op: "reverse",
        input: { ...request.input, coins: request.input.coins === "1" ? "2" : "1" },
      };
    case "adjust":
      return { op: "adjust", input: { ...request.input, reason: "another reason" } };
  }
}

export type VersionMode = "none" | "current" | "stale";

class UpdateEvent implements Cmd {
  constructor(
    readonly event: number,
    readonly patch: EventPatch,
    readonly invalid: boolean,
    readonly version: VersionMode,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const eventId = eventAt(state, this.event);
    const event = state.events.get(eventId);
    if (event === undefined) return;
    const stale = this.version === "stale" && event.version > 1;
    const options =
      this.version === "none"
        ? undefined
        : { expectedVersion: stale ? event.version - 1 : event.version };
    const label = `events.update(${JSON.stringify(eventId)}, ${JSON.stringify(this.patch)}, ${JSON.stringify(options)})`;
    const outcome = await settle(
      real.world.coins.events.update(eventId, patchInput(this.patch, state.program.start), options),
    );
    real.tally.commands += 1;
    // An invalid patch with a stale version may fail either way.
    const codes = [
      ...(this.invalid ? ["INVALID_INPUT"] : []),
      ...(stale ? ["VERSION_CONFLICT"] : []),
    ];
    if (codes.length > 0) {
      if (outcome.ok)
        throw new Error(
          `${label}: expected ${codes.join(" or ")}, got ${JSON.stringify(outcome.value)}`,
        );
      expect(codes, label).toContain((outcome.error as { code?: string }).code);
      return;
    }
    if (!outcome.ok) throw new Error(`${label}: failed`, { cause: outcome.error });
    expect((outcome.value as { version: number }).version, `${label}: version`).toBe(
      event.version + 1,
    );
    event.spec = applyPatch(event.spec, this.patch);
    event.version += 1;
  }
  toString = () =>
    `update(e${this.event}, ${JSON.stringify(this.patch)}${this.invalid ? ", invalid" : ""}, ${this.version})`;
}

class Preview implements Cmd {
  constructor(
    readonly user: number,
    readonly event: number,
    readonly amount: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const state = model.state;
    const userId = userAt(state, this.user);
    const eventId = eventAt(state, this.event);
    const spec = state.events.get(eventId)?.spec;
    if (spec === undefined) return;
    const label = `preview ${userId} ${eventId} ${this.amount}`;
    const result = await real.world.coins.preview({ userId, event: eventId, amount: this.amount });
    real.tally.commands += 1;
    const inactive = inactiveReason(spec, state.now, state.program.start);
    if (inactive !== null) {
      expectFigure(result.coins, 0n, `${label}: coins`);
      expect(result.ineligible, `${label}: ineligible`).toBe(inactive);
      return;
    }
    const expected = reward(
      spec,
      this.amount,
      state.now,
      state.program,
      usageOf(state, userId, eventId, state.now),
    );
    expectReward(result, expected, label);
  }
  toString = () => `preview(u${this.user}, e${this.event}, ${this.amount})`;
}

// ---------------------------------------------------------------------------
// Arbitraries

const user = fc.nat(4);
const eventIndex = fc.nat(EVENT_IDS.length - 1);
/** Now and then a request id from `SPECIAL_IDS` (`__proto__`, `a:b`, …), while one is unused. */
const special = fc.oneof(
  { weight: 1, arbitrary: fc.nat(20) },
  { weight: 7, arbitrary: fc.constant(undefined) },
);

export const amountArb: fc.Arbitrary<AmountSpec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "0",
      "9.99",
      "100",
      "250.5",
      "999.99",
      "1000",
      "1500",
      "4999.99",
      "5000",
      "6000",
      "12000",
    ),
  },
  {
    weight: 6,
    arbitrary: fc
      .integer({ min: 0, max: 2_500_000 })
      .map((cents) =>
        cents % 3 === 0 ? String(Math.floor(cents / 100)) : (cents / 100).toFixed(2),
      ),
  },
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant("missing" as const) },
);

export const shareArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 100 }) },
  { weight: 1, arbitrary: fc.constant("over" as const) },
);

export const reverseShareArb: fc.Arbitrary<ReverseShare> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("whole" as const) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 99 }) },
  { weight: 1, arbitrary: fc.constant("over" as const) },
);

export const reverseTargetArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<ReverseTarget>("allocation", "redemption") },
  { weight: 4, arbitrary: fc.constant<ReverseTarget>("linked") },
  { weight: 1, arbitrary: fc.constant<ReverseTarget>("bad") },
);

export const adjustmentArb: fc.Arbitrary<Adjustment> = fc.oneof(
  fc.record({
    credit: fc.integer({ min: 1, max: 80 }),
    days: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
  }),
  fc.record({ debit: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant("over" as const)) }),
);

const bulkItem: fc.Arbitrary<BulkItem> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("new" as const),
      user,
      event: eventIndex,
      amount: amountArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constantFrom("replay" as const, "conflict" as const),
      pick: fc.nat(30),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constantFrom("unknownEvent" as const, "badUser" as const), user }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("dup" as const), index: fc.nat(10) }) },
);

/** The sequential commands, with weights. */
export const commandArbs: fc.Arbitrary<Cmd>[] = weighted([
  [
    6,
    fc.tuple(user, eventIndex, amountArb, special).map(([u, e, a, s]) => new Allocate(u, e, a, s)),
  ],
  [1, fc.array(bulkItem, { minLength: 1, maxLength: 8 }).map((items) => new AllocateMany(items))],
  [3, fc.tuple(user, shareArb, special).map(([u, s, id]) => new Redeem(u, s, id))],
  [
    5,
    fc
      .tuple(reverseTargetArb, fc.nat(30), reverseShareArb, special)
      .map(([t, p, s, id]) => new Reverse(t, p, s, id)),
  ],
  [
    2,
    fc
      .tuple(
        user,
        eventIndex,
        amountArb,
        fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3),
        fc.integer({ min: 1, max: 99 }),
      )
      .map(([u, e, a, o, s]) => new SpendRefundCancel(u, e, a, o, s)),
  ],
  [1, fc.tuple(user, adjustmentArb).map(([u, a]) => new Adjust(u, a))],
  [
    1,
    fc
      .oneof(
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }) },
        { weight: 2, arbitrary: fc.constant(null) },
      )
      .map((h) => new Expire(h)),
  ],
  [
    3,
    fc
      .oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 24, max: 24 * 40 }))
      .map((h) => new Advance(h)),
  ],
  [1, fc.tuple(user, fc.integer({ min: 1, max: 24 * 60 })).map(([u, h]) => new BalanceAt(u, h))],
  [
    2,
    fc
      .tuple(fc.nat(40), fc.constantFrom<ReplayMode>("same", "same", "conflict", "otherOp"))
      .map(([p, m]) => new Replay(p, m)),
  ],
  [
    1,
    fc
      .tuple(
        eventIndex,
        patchArb,
        fc.constantFrom<VersionMode>("none", "current", "current", "stale"),
      )
      .map(([e, { patch, invalid }, v]) => new UpdateEvent(e, patch, invalid, v)),
  ],
  [
    1,
    fc
      .tuple(user, eventIndex, fc.constantFrom("0", "99.99", "750", "5000", "20000"))
      .map(([u, e, a]) => new Preview(u, e, a)),
  ],
]);

/** fast-check picks uniformly among the arbitraries, so a weight is a repetition. */
function weighted(list: readonly (readonly [number, fc.Arbitrary<Cmd>])[]): fc.Arbitrary<Cmd>[] {
  return list.flatMap(([weight, arb]) => Array.from({ length: weight }, () => arb));
}
