import { expect, it } from "vitest";
import {
  allHistory,
  asReplay,
  DAY,
  expectCode,
  expectDec,
  fixed,
  iso,
  newWorld,
  type StoreRef,
  storeOf,
} from "../harness.js";

export function idempotencySuite(ref: StoreRef): void {
  it("allocate - should return the first result for a replay and write nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("SALE", "100", { expiry: { days: 30 } }));
    const first = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const state = await world.state("u1");
    clock.advance({ hours: 5 });
    await coins.events.update("SALE", { reward: { kind: "fixed", coins: "999" } });
    const replay = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    expect(replay).toEqual(asReplay(first));
    clock.advance({ hours: -5 });
    expect(await world.state("u1")).toEqual(state);
  });

  it("allocate - should fail with IDEMPOTENCY_CONFLICT for the same requestId with another payload", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.events.create(fixed("OTHER", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const before = await world.state("u1");
    const error = await expectCode(
      coins.allocate({ userId: "u1", event: "OTHER", requestId: "a1" }),
      "IDEMPOTENCY_CONFLICT",
    );
    expect(error.details).toMatchObject({ requestId: "a1" });
    await expectCode(
      coins.allocate({ userId: "u2", event: "SALE", requestId: "a1" }),
      "IDEMPOTENCY_CONFLICT",
    );
    await expectCode(
      coins.redeem({ userId: "u1", coins: "1", requestId: "a1" }),
      "IDEMPOTENCY_CONFLICT",
    );
    expect(await world.state("u1")).toEqual(before);
    expect((await coins.history("u2")).items).toEqual([]);
  });

  it("redeem - should return the first result for a replay and fail with IDEMPOTENCY_CONFLICT for another amount", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const first = await coins.redeem({ userId: "u1", coins: "30", requestId: "x1" });
    const state = await world.state("u1");
    expect(await coins.redeem({ userId: "u1", coins: "30", requestId: "x1" })).toEqual(
      asReplay(first),
    );
    expect(await coins.redeem({ userId: "u1", coins: 30, requestId: "x1" })).toEqual(
      asReplay(first),
    );
    await expectCode(
      coins.redeem({ userId: "u1", coins: "31", requestId: "x1" }),
      "IDEMPOTENCY_CONFLICT",
    );
    expect(await world.state("u1")).toEqual(state);
    expectDec((await coins.balance("u1")).available, "70");
  });

  it("reverse - should return the first result for a replay and fail with IDEMPOTENCY_CONFLICT for another amount", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a2" });
    const first = await coins.reverse({ requestId: "r1", of: "a1", coins: "40" });
    const state = await world.state("u1");
    expect(await coins.reverse({ requestId: "r1", of: "a1", coins: "40" })).toEqual(
      asReplay(first),
    );
    await expectCode(
      coins.reverse({ requestId: "r1", of: "a1", coins: "41" }),
      "IDEMPOTENCY_CONFLICT",
    );
    await expectCode(
      coins.reverse({ requestId: "r1", of: "a2", coins: "40" }),
      "IDEMPOTENCY_CONFLICT",
    );
    expect(await world.state("u1")).toEqual(state);
  });

  it("reverse - should replay a whole reversal even after its original was fully reversed", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const first = await coins.reverse({ requestId: "r1", of: "a1" });
    const history = await allHistory(coins, "u1");
    expect(await coins.reverse({ requestId: "r1", of: "a1" })).toEqual(asReplay(first));
    expect(await allHistory(coins, "u1")).toEqual(history);
  });

  it("allocate - should replay after the event was paused or its window closed", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("SALE", "100", { window: { until: iso(clock.ms + DAY) } }));
    await coins.events.create(fixed("PROMO", "50"));
    const sale = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const promo = await coins.allocate({ userId: "u1", event: "PROMO", requestId: "a2" });
    await coins.events.update("PROMO", { status: "paused" });
    clock.advance({ days: 2 });
    const state = await world.state("u1");
    expect(await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" })).toEqual(
      asReplay(sale),
    );
    expect(await coins.allocate({ userId: "u1", event: "PROMO", requestId: "a2" })).toEqual(
      asReplay(promo),
    );
    expect(await world.state("u1")).toEqual(state);
  });

  it("redeem - should replay after the coins it needed are gone", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const first = await coins.redeem({ userId: "u1", coins: "60", requestId: "x1" });
    await coins.redeem({ userId: "u1", coins: "40", requestId: "x2" });
    expect(await coins.redeem({ userId: "u1", coins: "60", requestId: "x1" })).toEqual(
      asReplay(first),
    );
  });

  it("adjust - should replay a credit after the expiry it set has passed", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    const input = {
      userId: "u1",
      coins: "10",
      requestId: "j1",
      reason: "goodwill",
      expiresAt: iso(clock.ms + DAY),
    };
    const first = await coins.adjust(input);
    clock.advance({ days: 2 });
    const state = await world.state("u1");
    expect(await coins.adjust(input)).toEqual(asReplay(first));
    expect(await world.state("u1")).toEqual(state);
  });

  it("any call - should leave nothing when it fails: its requestId then serves another user and payload", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const before = await world.state("u1");
    await expectCode(
      coins.redeem({ userId: "u1", coins: "500", requestId: "x1" }),
      "INSUFFICIENT_COINS",
    );
    await expectCode(
      coins.reverse({ requestId: "x2", of: "a1", coins: "101" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
    expect(await world.state("u1")).toEqual(before);
    // Another user, another kind of request, under the same ids.
    const allocation = await coins.allocate({ userId: "u2", event: "SALE", requestId: "x1" });
    expectDec(allocation.coins, "100");
    const redemption = await coins.redeem({ userId: "u2", coins: "10", requestId: "x2" });
    expectDec(redemption.balance.available, "90");
    // Now taken: the first user's calls meet the records of the second.
    await expectCode(
      coins.redeem({ userId: "u1", coins: "500", requestId: "x1" }),
      "IDEMPOTENCY_CONFLICT",
    );
    expect(await coins.allocate({ userId: "u2", event: "SALE", requestId: "x1" })).toEqual(
      asReplay(allocation),
    );
    expect(await world.state("u1")).toEqual(before);
  });
}
