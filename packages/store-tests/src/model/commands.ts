/**
 * The model's commands: each sends one thing to the engine, applies the
 * same to the model, compares the answers, and checks the accounts it
 * touched. `commandArbs` generates them. Commands hold indexes, not ids
 * (`user#3`, `event#1`: the run's users and events, modulo their count;
 * `#n` of a reversal or replay counts back from the latest request), so a
 * shrunk sequence stays meaningful whatever the run's events are.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { fromUnits, HOUR, iso } from "../harness.js";
import { applyPatch, EVENT_IDS, type EventPatch, patchArb, patchInput } from "./catalog.js";
import { expectBalance, expectFigure, expectReward, type Real } from "./checks.js";
import {
  account,
  expireAll,
  figures,
  nextRequestId,
  type Request,
  requestOf,
  reversible,
  spendableCoins,
  usageOf,
} from "./ledger.js";
import {
  type Adjustment,
  type AmountSpec,
  adjustment,
  allocation,
  altered,
  eventAt,
  type ReverseShare,
  type ReverseTarget,
  redemption,
  reversal,
  shareOf,
  userAt,
} from "./requests.js";
import { inactiveReason, reward } from "./rules.js";
import { type Cmd, judge, type Model, settle, step, verifyAfter } from "./steps.js";

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
    `allocate(user#${this.user}, event#${this.event}, ${JSON.stringify(this.amount)}${this.special === undefined ? "" : `, id#${this.special}`})`;
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
    `redeem(user#${this.user}, ${this.share === "over" ? "over" : `${this.share}%`}${this.special === undefined ? "" : `, id#${this.special}`})`;
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
    `spendRefundCancel(user#${this.user}, event#${this.event}, ${JSON.stringify(this.amount)}, order ${this.order}, ${this.share}%)`;
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
  toString = () => `adjust(user#${this.user}, ${JSON.stringify(this.change)})`;
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
  toString = () => `balanceAt(user#${this.user}, +${this.hours}h)`;
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
    `update(event#${this.event}, ${JSON.stringify(this.patch)}${this.invalid ? ", invalid" : ""}, ${this.version})`;
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
  toString = () => `preview(user#${this.user}, event#${this.event}, ${this.amount})`;
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
