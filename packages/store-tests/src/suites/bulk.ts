import { expect, it } from "vitest";
import {
  allHistory,
  asReplay,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
} from "../harness.js";

export function bulkSuite(ref: StoreRef): void {
  it("allocateMany - should book every valid item and report each failing one on its own", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.events.create(fixed("PAUSED", "100", { status: "paused" }));
    const results = await coins.allocateMany([
      { userId: "u1", event: "SALE", requestId: "a1" },
      { userId: "u1", event: "NOPE", requestId: "a2" },
      { userId: "u2", event: "SALE", requestId: "a3" },
      { userId: "u1", event: "PAUSED", requestId: "a4" },
      { userId: "", event: "SALE", requestId: "a5" },
      { userId: "u1", event: "SALE", requestId: "a6" },
    ]);
    expect(results).toHaveLength(6);
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
      "ok",
      "EVENT_NOT_FOUND",
      "ok",
      "EVENT_INACTIVE",
      "INVALID_INPUT",
      "ok",
    ]);
    const first = results[0];
    if (first?.ok !== true) throw new Error("first item failed");
    expect(first.replayed).toBe(false);
    expect(first.result).toMatchObject({ requestId: "a1", userId: "u1" });
    expectDec(first.result.coins, "100");
    const failed = results[1];
    if (failed?.ok !== false) throw new Error("second item succeeded");
    expect(failed.error.message).toBeTypeOf("string");
    expect(failed.error.details).toMatchObject({ eventId: "NOPE" });

    expectDec((await coins.balance("u1")).available, "200");
    expectDec((await coins.balance("u2")).available, "100");
    expect((await allHistory(coins, "u1")).map((e) => e.requestId)).toEqual(["a6", "a1"]);
  });

  it("allocateMany - should replay booked items and book each request once", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    const single = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const results = await coins.allocateMany([
      { userId: "u1", event: "SALE", requestId: "a1" },
      { userId: "u1", event: "SALE", requestId: "a2" },
      { userId: "u1", event: "SALE", requestId: "a2" },
      { userId: "u2", event: "SALE", requestId: "a2" },
    ]);
    expect(results.map((r) => (r.ok ? r.replayed : r.error.code))).toEqual([
      true,
      false,
      true,
      "IDEMPOTENCY_CONFLICT",
    ]);
    const [replayed, booked, again] = results;
    expect(replayed?.ok && replayed.result).toEqual(asReplay(single));
    expect(booked?.ok && booked.result.replayed).toBe(false);
    expect(again?.ok && again.result).toEqual(booked?.ok && asReplay(booked.result));
    expectDec((await coins.balance("u1")).available, "200");
    expect(await allHistory(coins, "u2")).toEqual([]);

    const rerun = await coins.allocateMany([{ userId: "u1", event: "SALE", requestId: "a2" }]);
    expect(rerun[0]?.ok && rerun[0].replayed).toBe(true);
    expect((await allHistory(coins, "u1")).length).toBe(2);
  });

  it("allocateMany - should apply items on one account in order, like single calls", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(
      fixed("CAPPED", "100", { caps: { perUser: [{ coins: "250", period: "lifetime" }] } }),
    );
    const results = await coins.allocateMany(
      Array.from({ length: 4 }, (_, i) => ({ userId: "u1", event: "CAPPED", requestId: `a${i}` })),
    );
    expect(results.map((r) => (r.ok ? Number(r.result.coins) : r.error.code))).toEqual([
      100, 100, 50, 0,
    ]);
    expectDec((await coins.balance("u1")).available, "250");
  });
}
