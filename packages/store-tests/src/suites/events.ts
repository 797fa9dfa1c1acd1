import { expect, it } from "vitest";
import { expectCode, expectDec, fixed, newWorld, type StoreRef, storeOf } from "../harness.js";

export function eventsSuite(ref: StoreRef): void {
  it("events.create - should store a new event with version 1", async () => {
    const { coins } = newWorld(storeOf(ref));
    const created = await coins.events.create(fixed("WELCOME", "100"));
    expect(created).toMatchObject({
      id: "WELCOME",
      name: "WELCOME event",
      status: "active",
      version: 1,
    });
    expect(created.reward).toMatchObject({ kind: "fixed" });
    expect(await coins.events.get("WELCOME")).toEqual(created);
  });

  it("events.create - should fail with EVENT_EXISTS for an id already in the program", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("WELCOME", "100"));
    await expectCode(coins.events.create(fixed("WELCOME", "5")), "EVENT_EXISTS");
    const stored = await coins.events.get("WELCOME");
    expect(stored.version).toBe(1);
    expect(stored.reward).toMatchObject({ kind: "fixed" });
    expectDec((stored.reward as { coins: string }).coins, "100");
  });

  it("events.create - should reject an invalid event with INVALID_INPUT and store nothing", async () => {
    const { coins } = newWorld(storeOf(ref));
    await expectCode(
      coins.events.create({ id: "BROKEN", name: "Broken", reward: { kind: "lottery" } }),
      "INVALID_INPUT",
    );
    await expectCode(
      coins.events.create({
        id: "NEGATIVE",
        name: "Negative",
        reward: { kind: "fixed", coins: "-5" },
      }),
      "INVALID_INPUT",
    );
    await expectCode(coins.events.get("BROKEN"), "EVENT_NOT_FOUND");
    await expectCode(coins.events.get("NEGATIVE"), "EVENT_NOT_FOUND");
    expect((await coins.events.list()).items).toEqual([]);
  });

  it("events.get - should fail with EVENT_NOT_FOUND for an unknown id", async () => {
    const { coins } = newWorld(storeOf(ref));
    const error = await expectCode(coins.events.get("NOPE"), "EVENT_NOT_FOUND");
    expect(error.details).toMatchObject({ eventId: "NOPE" });
  });

  it("events.update - should bump the version and change only the patched fields", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("REFERRAL", "100", { expiry: { days: 30 } }));
    const updated = await coins.events.update("REFERRAL", { name: "Refer a friend" });
    expect(updated).toMatchObject({ id: "REFERRAL", name: "Refer a friend", version: 2 });
    expect(updated.expiry).toEqual({ days: 30 });
    expectDec((updated.reward as { coins: string }).coins, "100");
    const again = await coins.events.update(
      "REFERRAL",
      { reward: { kind: "fixed", coins: "150" } },
      { expectedVersion: 2 },
    );
    expect(again.version).toBe(3);
    expect(again.name).toBe("Refer a friend");
    expect(await coins.events.get("REFERRAL")).toEqual(again);
  });

  it("events.update - should fail with VERSION_CONFLICT for a stale expectedVersion and change nothing", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("REFERRAL", "100"));
    await coins.events.update("REFERRAL", { name: "Second" }, { expectedVersion: 1 });
    const error = await expectCode(
      coins.events.update("REFERRAL", { name: "Third" }, { expectedVersion: 1 }),
      "VERSION_CONFLICT",
    );
    expect(error.details).toMatchObject({
      eventId: "REFERRAL",
      expectedVersion: 1,
      actualVersion: 2,
    });
    const stored = await coins.events.get("REFERRAL");
    expect(stored).toMatchObject({ name: "Second", version: 2 });
  });

  it("events.update - should fail with EVENT_NOT_FOUND for an unknown event", async () => {
    const { coins } = newWorld(storeOf(ref));
    await expectCode(coins.events.update("NOPE", { name: "x" }), "EVENT_NOT_FOUND");
  });

  it("events.update - should never change coins already allocated", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("SALE", "100", { expiry: { days: 30 } }));
    const first = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const before = await world.state("u1");
    await coins.events.update("SALE", {
      reward: { kind: "fixed", coins: "500" },
      expiry: { days: 1 },
    });
    expect(await world.state("u1")).toEqual(before);

    clock.advance({ days: 2 });
    const balance = await coins.balance("u1");
    expectDec(balance.available, "100", "the first lot keeps its original 30-day expiry");

    const second = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a2" });
    expectDec(second.coins, "500");

    const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
    expectDec(reversal.coins, "100", "a reversal takes back what was booked, not the current rule");
    expectDec(reversal.taken, "100");
    expect(reversal.lots).toEqual([{ lotId: first.lotId, coins: expect.any(String) }]);
    expectDec(reversal.balance.available, "500");
  });

  it("events.list - should page through every event in id order", async () => {
    const { coins } = newWorld(storeOf(ref));
    const ids = ["m", "c", "x", "a", "q", "b", "z"];
    for (const id of ids) await coins.events.create(fixed(id, "1"));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await coins.events.list(
        cursor === undefined ? { limit: 3 } : { limit: 3, cursor },
      );
      pages++;
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((event) => event.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toEqual([...ids].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });
}
