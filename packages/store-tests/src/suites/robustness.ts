import { type AccountCommand, CoinageError, createCoinage, type Store } from "@coinage/core";
import { expect, it } from "vitest";
import {
  allHistory,
  asReplay,
  expectCode,
  expectDec,
  fixed,
  newWorld,
  randomId,
  START,
  type StoreRef,
  storeOf,
} from "../harness.js";

/** Ids that are also the names of `Object.prototype` members. */
const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty"] as const;

/** An object whose `key` is a getter that throws. */
function throwingAt<T extends object>(fields: T, key: string): T {
  return Object.defineProperty({ ...fields }, key, {
    enumerable: true,
    get() {
      throw new Error("this getter throws");
    },
  });
}

/** A Proxy that throws on any use. */
function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** The issue paths of an `INVALID_INPUT`. */
async function invalidAt(promise: Promise<unknown>): Promise<string[]> {
  const error = await expectCode(promise, "INVALID_INPUT");
  return (error.details.issues as { path: string }[]).map((issue) => issue.path);
}

export function robustnessSuite(ref: StoreRef): void {
  it("ids - __proto__, constructor, toString and hasOwnProperty should work as every id: event, user, request, reversed request", async () => {
    for (const id of PROTOTYPE_NAMES) {
      // Event and user ids, and an allocation's request id.
      const first = newWorld(storeOf(ref));
      const { coins } = first;
      const event = await coins.events.create(
        fixed(id, "100", { caps: { perUser: [{ coins: "1000", period: "day" }], budget: "1000" } }),
      );
      expect(event.id, id).toBe(id);
      expect((await coins.events.get(id)).id, id).toBe(id);
      expect(
        (await coins.events.list()).items.map((e) => e.id),
        id,
      ).toEqual([id]);
      expect((await coins.events.update(id, { name: "renamed" })).version, id).toBe(2);
      expectDec((await coins.preview({ userId: id, event: id })).coins, "100", id);
      const allocation = await coins.allocate({ userId: id, event: id, requestId: id });
      expect(allocation, id).toMatchObject({ userId: id, event: id, requestId: id });
      expectDec(allocation.coins, "100", id);
      expect(await coins.allocate({ userId: id, event: id, requestId: id }), id).toEqual(
        asReplay(allocation),
      );
      const many = await coins.allocateMany([
        { userId: id, event: id, requestId: id },
        { userId: id, event: id, requestId: "m1" },
      ]);
      expect(
        many.map((item) => (item.ok ? item.replayed : item.error.code)),
        id,
      ).toEqual([true, false]);
      const reversal = await coins.reverse({ requestId: "r1", of: id, coins: "10" });
      expect(reversal, id).toMatchObject({ of: id, userId: id, kind: "allocation" });
      expectDec(reversal.coins, "10", id);
      expectDec((await coins.balance(id)).available, "190", id);
      const history = await allHistory(coins, id);
      expect(
        history.map((entry) => [entry.type, entry.requestId]),
        id,
      ).toEqual([
        ["reverse", "r1"],
        ["earn", "m1"],
        ["earn", id],
      ]);
      expect(history[2]?.event, id).toBe(id);

      // A redemption's request id, and reversing it.
      const second = newWorld(storeOf(ref));
      await second.coins.events.create(fixed("SALE", "100"));
      await second.coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
      const redemption = await second.coins.redeem({ userId: "u1", coins: "40", requestId: id });
      expect(redemption.requestId, id).toBe(id);
      expect(await second.coins.redeem({ userId: "u1", coins: "40", requestId: id }), id).toEqual(
        asReplay(redemption),
      );
      const restored = await second.coins.reverse({ requestId: "r1", of: id });
      expect(restored, id).toMatchObject({ of: id, kind: "redemption" });
      expectDec(restored.balance.available, "100", id);

      // A reversal's and an adjustment's request ids.
      const third = newWorld(storeOf(ref));
      await third.coins.events.create(fixed("SALE", "100"));
      await third.coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
      const undone = await third.coins.reverse({ requestId: id, of: "a1", coins: "30" });
      expect(undone.requestId, id).toBe(id);
      expect(await third.coins.reverse({ requestId: id, of: "a1", coins: "30" }), id).toEqual(
        asReplay(undone),
      );
      await expectCode(third.coins.reverse({ requestId: "r2", of: id }), "NOT_REVERSIBLE");
      const fourth = newWorld(storeOf(ref));
      const adjustment = await fourth.coins.adjust({
        userId: id,
        coins: "5",
        requestId: id,
        reason: "goodwill",
      });
      expect(
        await fourth.coins.adjust({ userId: id, coins: "5", requestId: id, reason: "goodwill" }),
        id,
      ).toEqual(asReplay(adjustment));
      expectDec((await fourth.coins.balance(id)).available, "5", id);
    }
  });

  it("inputs - a getter or Proxy that throws should fail every call with INVALID_INPUT at its path, writing nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const before = await world.state("u1");
    const user = { userId: "u1", requestId: "x1" };

    expect(await invalidAt(coins.events.create(throwingAt(fixed("E2", "1"), "reward")))).toEqual([
      "reward",
    ]);
    expect(await invalidAt(coins.events.create(revoked() as never))).toEqual(["event"]);
    expect(await invalidAt(coins.events.update("SALE", throwingAt({}, "name")))).toEqual(["name"]);
    expect(
      await invalidAt(
        coins.events.update("SALE", { name: "x" }, throwingAt({}, "expectedVersion") as never),
      ),
    ).toEqual(["expectedVersion"]);
    expect(await invalidAt(coins.events.list(throwingAt({}, "limit") as never))).toEqual(["limit"]);
    expect(await invalidAt(coins.events.list(throwingAt({}, "cursor") as never))).toEqual([
      "cursor",
    ]);
    expect(
      await invalidAt(
        coins.preview(throwingAt({ userId: "u1", event: "SALE" }, "amount") as never),
      ),
    ).toEqual(["preview.amount"]);
    expect(
      await invalidAt(coins.allocate(throwingAt({ ...user, event: "SALE" }, "userId") as never)),
    ).toEqual(["allocation.userId"]);
    expect(await invalidAt(coins.allocateMany(revoked() as never))).toEqual(["items"]);
    const [item] = await coins.allocateMany([
      throwingAt({ ...user, event: "SALE" }, "event") as never,
    ]);
    expect(item).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    expect(
      await invalidAt(coins.redeem(throwingAt({ ...user, coins: "1" }, "coins") as never)),
    ).toEqual(["redemption.coins"]);
    expect(
      await invalidAt(coins.reverse(throwingAt({ requestId: "r1", of: "a1" }, "of") as never)),
    ).toEqual(["reversal.of"]);
    expect(
      await invalidAt(
        coins.adjust(throwingAt({ ...user, coins: "1", reason: "x" }, "reason") as never),
      ),
    ).toEqual(["adjustment.reason"]);
    expect(await invalidAt(coins.reverse(revoked() as never))).toEqual(["reversal"]);
    expect(await invalidAt(coins.balance("u1", throwingAt({}, "at") as never))).toEqual(["at"]);
    expect(await invalidAt(coins.history("u1", throwingAt({}, "cursor") as never))).toEqual([
      "cursor",
    ]);
    expect(await invalidAt(coins.expire(throwingAt({}, "before") as never))).toEqual(["before"]);

    const program = { id: randomId("prog"), coinValue: "1" };
    const create = (options: unknown) => () => createCoinage(options as never);
    const inputAt = (path: string) =>
      expect.objectContaining({
        code: "INVALID_INPUT",
        details: { issues: [expect.objectContaining({ path })] },
      });
    expect(create(throwingAt({ store: world.store, program }, "program"))).toThrow(
      inputAt("options.program"),
    );
    expect(create({ store: world.store, program: throwingAt(program, "coinValue") })).toThrow(
      inputAt("program.coinValue"),
    );
    const throwingClock = createCoinage({
      store: world.store,
      program,
      clock: {
        now() {
          throw new Error("no time");
        },
      },
    });
    expect(await invalidAt(throwingClock.balance("u1"))).toEqual(["clock.now()"]);

    expect(await world.state("u1")).toEqual(before);
    expect((await coins.events.list()).items.map((event) => [event.id, event.version])).toEqual([
      ["SALE", 1],
    ]);
  });

  it("errors - a failure that is not the store's outage should be INTERNAL with its cause, and leave nothing", async () => {
    let broken: "decide" | "outage" | null = null;
    const store = storeOf(ref);
    const failing: Store = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === "execute") {
          return <T>(command: AccountCommand<T>) => {
            if (broken === "outage") {
              return Promise.reject(
                new CoinageError("STORE_UNAVAILABLE", { operation: "execute" }),
              );
            }
            const decide = command.decide.bind(command);
            return target.execute({
              ...command,
              decide: (snapshot) => {
                if (broken === "decide") throw new TypeError("a bug in a decision");
                return decide(snapshot);
              },
            });
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const world = newWorld(failing, { start: START });
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const before = await world.state("u1");

    broken = "decide";
    const error = await expectCode(
      coins.redeem({ userId: "u1", coins: "10", requestId: "x1" }),
      "INTERNAL",
    );
    expect(error.details).toEqual({ operation: "redeem" });
    expect((error as unknown as Error).cause).toBeInstanceOf(TypeError);
    broken = "outage";
    await expectCode(
      coins.redeem({ userId: "u1", coins: "10", requestId: "x1" }),
      "STORE_UNAVAILABLE",
    );
    broken = null;
    expect(await world.state("u1")).toEqual(before);
    // Nothing of the failed call stays: its request id serves another user.
    await coins.allocate({ userId: "u2", event: "SALE", requestId: "x1" });
    expectDec((await coins.balance("u2")).available, "100");
  });
}
