import { expect, it } from "vitest";
import {
  allHistory,
  expectCode,
  expectDec,
  fixed,
  newWorld,
  randomId,
  type StoreRef,
  storeOf,
} from "../harness.js";

export function isolationSuite(ref: StoreRef): void {
  it("isolation - should keep two programs apart with the same user, event and request ids", async () => {
    const store = storeOf(ref);
    const a = newWorld(store, { id: randomId("tenant-a") });
    const b = newWorld(store, { id: randomId("tenant-b") });

    await a.coins.events.create(fixed("SALE", "100", { expiry: { days: 10 } }));
    await expectCode(b.coins.events.get("SALE"), "EVENT_NOT_FOUND");
    await expectCode(
      b.coins.allocate({ userId: "u1", event: "SALE", requestId: "r1" }),
      "EVENT_NOT_FOUND",
    );
    expect((await b.coins.events.list()).items).toEqual([]);
    await b.coins.events.create(fixed("SALE", "7"));
    expect((await a.coins.events.get("SALE")).version).toBe(1);
    await b.coins.events.update("SALE", { name: "B's sale" });
    expect((await a.coins.events.get("SALE")).name).toBe("SALE event");

    const inA = await a.coins.allocate({ userId: "u1", event: "SALE", requestId: "r1" });
    const inB = await b.coins.allocate({ userId: "u1", event: "SALE", requestId: "r1" });
    expectDec(inA.coins, "100");
    expectDec(inB.coins, "7", "the same requestId in another program is another request");
    await b.coins.allocate({ userId: "u1", event: "SALE", requestId: "r2" });

    await a.coins.redeem({ userId: "u1", coins: "30", requestId: "x1" });
    expectDec((await a.coins.balance("u1")).available, "70");
    expectDec((await b.coins.balance("u1")).available, "14");
    await expectCode(
      b.coins.redeem({ userId: "u1", coins: "15", requestId: "x1" }),
      "INSUFFICIENT_COINS",
    );
    await expectCode(b.coins.reverse({ requestId: "rv", of: "x1" }), "REQUEST_NOT_FOUND");

    const historyA = await allHistory(a.coins, "u1");
    const historyB = await allHistory(b.coins, "u1");
    expect(historyA.map((e) => e.requestId)).toEqual(["x1", "r1"]);
    expect(historyB.map((e) => e.requestId)).toEqual(["r2", "r1"]);

    a.clock.advance({ days: 11 });
    b.clock.advance({ days: 11 });
    const swept = await b.coins.expire();
    expect(swept.lots).toBe(0);
    expect(await allHistory(a.coins, "u1")).toEqual(historyA);
    const sweptA = await a.coins.expire();
    expectDec(sweptA.coins, "70");
    expectDec((await b.coins.balance("u1")).available, "14");
    expect(await allHistory(b.coins, "u1")).toEqual(historyB);

    const lotsA = await a.lots("u1", [inA.lotId as number]);
    const lotsB = await b.openLots("u1");
    expect(lotsB.every((lot) => lot.eventId === "SALE" && Number(lot.coins) === 7)).toBe(true);
    expect(lotsA.every((lot) => Number(lot.coins) === 100)).toBe(true);
  });

  it("isolation - should keep apart programs and accounts whose ids contain key separators", async () => {
    const store = storeOf(ref);
    const base = randomId("tenant");
    const programs = [base, `${base}:x`, `${base}:`, `{${base}}`];
    const users = ["a", "a:b", "a:b:c", "{a}", "a}", "{", "a b", "ü😀", "a\\b", "a*", "a%"];
    const worlds = programs.map((id) => newWorld(store, { id }));
    for (const [p, world] of worlds.entries()) {
      await world.coins.events.create(fixed("E:1", "1"));
      await world.coins.events.create(fixed("{E}", "1"));
      for (const [u, user] of users.entries()) {
        const coins = String(1 + p * 100 + u);
        await world.coins.adjust({ userId: user, coins, requestId: `r:${user}`, reason: "seed" });
        await world.coins.allocate({
          userId: user,
          event: u % 2 === 0 ? "E:1" : "{E}",
          requestId: `e:${user}`,
        });
      }
    }
    for (const [p, world] of worlds.entries()) {
      for (const [u, user] of users.entries()) {
        const balance = await world.coins.balance(user);
        expectDec(balance.available, 2 + p * 100 + u, `${programs[p]} / ${user}`);
        const history = await allHistory(world.coins, user);
        expect(
          history.map((e) => e.requestId),
          `${programs[p]} / ${user}`,
        ).toEqual([`e:${user}`, `r:${user}`]);
      }
      expect((await world.coins.events.list()).items.map((e) => e.id)).toEqual(
        ["E:1", "{E}"].sort(),
      );
    }
  });
}
