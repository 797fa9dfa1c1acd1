import { expect, it } from "vitest";
import {
  allHistory,
  expectCode,
  expectDec,
  fixed,
  HOUR,
  iso,
  newWorld,
  type StoreRef,
  storeOf,
} from "../harness.js";

/** The issue paths of an `INVALID_INPUT`. */
function issuePaths(error: { details: Record<string, unknown> }): string[] {
  return (error.details.issues as { path: string }[]).map((issue) => issue.path);
}

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
      // @ts-expect-error: not a reward kind (refused at run time too, for untyped callers)
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

  it("events.upsert - should create a missing event, leave an identical one alone and replace a different one", async () => {
    const store = storeOf(ref);
    const { coins } = newWorld(store);
    const first = await coins.events.upsert(fixed("START", "10"));
    expect(first.status).toBe("created");
    expect(first.event.version).toBe(1);
    // A restart defines the same event again: nothing is written, the version stays.
    const again = await coins.events.upsert(fixed("START", "10"));
    expect(again).toEqual({ event: first.event, status: "unchanged" });
    expect(await coins.events.get("START")).toEqual(first.event);
    // A changed definition replaces the stored one at the next version, as a whole.
    const changed = await coins.events.upsert({ ...fixed("START", "25"), name: "Renamed" });
    expect(changed.status).toBe("updated");
    expect(changed.event.version).toBe(2);
    expect(changed.event.name).toBe("Renamed");
    expectDec((changed.event.reward as { coins: string }).coins, "25");
    expect(await coins.events.get("START")).toEqual(changed.event);
    // Bad input writes nothing.
    await expectCode(
      coins.events.upsert({ ...fixed("START", "25"), reward: { kind: "fixed", coins: "-1" } }),
      "INVALID_INPUT",
    );
    expect((await coins.events.get("START")).version).toBe(2);
  });

  it("events.upsert - parallel upserts of one definition should create it once", async () => {
    const { coins } = newWorld(storeOf(ref));
    const results = await Promise.all(
      Array.from({ length: 6 }, () => coins.events.upsert(fixed("BOOT", "3"))),
    );
    expect(results.filter((r) => r.status === "created")).toHaveLength(1);
    expect(results.filter((r) => r.status === "unchanged")).toHaveLength(5);
    expect((await coins.events.get("BOOT")).version).toBe(1);
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

  it("events.create, events.update - should refuse an expiry duration never longer than the activation delay, naming both", async () => {
    const { coins } = newWorld(storeOf(ref));
    for (const [expiry, activation] of [
      [{ days: 7 }, { days: 30 }],
      [{ months: 1 }, { days: 31 }],
      [{ days: 30 }, { days: 30 }],
      [{ hours: 12 }, { days: 1 }],
    ]) {
      const error = await expectCode(
        coins.events.create(fixed("LATE", "100", { expiry, activation })),
        "INVALID_INPUT",
      );
      expect(issuePaths(error), JSON.stringify([expiry, activation])).toEqual([
        "expiry",
        "activation",
      ]);
    }
    await expectCode(coins.events.get("LATE"), "EVENT_NOT_FOUND");
    // Not certain either way (a month may be 31 days): accepted, checked per allocation.
    await coins.events.create(
      fixed("MAYBE", "100", { expiry: { months: 1 }, activation: { days: 30 } }),
    );
    await coins.events.create(fixed("SALE", "100", { expiry: { months: 1 } }));
    const error = await expectCode(
      coins.events.update("SALE", { activation: { days: 31 } }),
      "INVALID_INPUT",
    );
    expect(issuePaths(error)).toEqual(["expiry", "activation"]);
    expect(await coins.events.get("SALE")).toMatchObject({ version: 1, expiry: { months: 1 } });
    expect((await coins.events.get("SALE")).activation).toBeUndefined();
  });

  it("allocate - should earn 0 with expires_before_activation when the coins would expire by the time they activate, spending no cap or budget", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    const caps = { perUser: [{ coins: "100", period: "day" }], budget: "100" } as const;
    // Noon: the end of the day comes 12 hours before the one-day activation.
    await coins.events.create(
      fixed("LATE", "100", { caps, expiry: { endOf: "day" }, activation: { days: 1 } }),
    );
    await coins.events.create(
      fixed("FIXED", "100", { expiry: { at: iso(clock.ms + HOUR) }, activation: { hours: 1 } }),
    );
    const preview = await coins.preview({ userId: "u1", event: "LATE" });
    expect(preview.ineligible).toBe("expires_before_activation");
    expectDec(preview.coins, "0");
    for (const event of ["LATE", "FIXED"]) {
      const result = await coins.allocate({ userId: "u1", event, requestId: `a-${event}` });
      expect(result, event).toMatchObject({ ineligible: "expires_before_activation", lotId: null });
      expectDec(result.coins, "0", event);
    }
    expect(await world.openLots("u1")).toEqual([]);
    expect(await allHistory(coins, "u1")).toEqual([]);
    const balance = await coins.balance("u1");
    expectDec(balance.available, "0");
    expectDec(balance.pending, "0");
    // Nothing counted toward the caps or the budget: the whole 100 is still there.
    await coins.events.update("LATE", { expiry: { days: 30 } });
    const earned = await coins.allocate({ userId: "u1", event: "LATE", requestId: "a2" });
    expectDec(earned.coins, "100");
    expect(earned.ineligible).toBeUndefined();
  });

  it("events.update - should change nothing for an empty patch: same event, same version, no write", async () => {
    const { coins } = newWorld(storeOf(ref));
    const created = await coins.events.create(fixed("SALE", "100"));
    expect(await coins.events.update("SALE", {})).toEqual(created);
    expect(await coins.events.update("SALE", { name: undefined })).toEqual(created);
    expect(await coins.events.update("SALE", {}, { expectedVersion: 1 })).toEqual(created);
    expect(await coins.events.get("SALE")).toEqual(created);
    await expectCode(coins.events.update("SALE", {}, { expectedVersion: 2 }), "VERSION_CONFLICT");
    await expectCode(coins.events.update("NOPE", {}), "EVENT_NOT_FOUND");
    expect((await coins.events.update("SALE", { name: "Sale" })).version).toBe(2);
  });

  it("events.list - should refuse a cursor that is not a valid id with INVALID_INPUT", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("a", "1"));
    for (const cursor of ["a\u0000b", "\u0000", "a\uD800", "x".repeat(201), "", 5]) {
      const error = await expectCode(
        coins.events.list({ limit: 1, cursor: cursor as string }),
        "INVALID_INPUT",
      );
      expect(issuePaths(error), JSON.stringify(cursor)).toEqual(["cursor"]);
    }
    expect((await coins.events.list({ cursor: "a" })).items).toEqual([]);
  });

  it("events - every event handed out is frozen: mutating it throws and changes no allocation", async () => {
    const { coins } = newWorld(storeOf(ref));
    const created = await coins.events.create(
      fixed("SALE", "100", { caps: { perAllocation: "500" }, metadata: { tags: ["a"] } }),
    );
    const updated = await coins.events.update("SALE", { name: "Sale" });
    const fetched = await coins.events.get("SALE");
    const [listed] = (await coins.events.list()).items;
    for (const [label, event] of Object.entries({ created, updated, fetched, listed })) {
      const loose = event as unknown as {
        name: string;
        reward: { coins: string };
        caps: { perAllocation: string };
        metadata: { tags: string[] };
      };
      expect(() => {
        loose.reward.coins = "999";
      }, label).toThrow(TypeError);
      expect(() => {
        loose.caps.perAllocation = "1";
      }, label).toThrow(TypeError);
      expect(() => loose.metadata.tags.push("b"), label).toThrow(TypeError);
      expect(() => {
        loose.name = "changed";
      }, label).toThrow(TypeError);
    }
    const first = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    expectDec(first.coins, "100");
    expectDec(((await coins.events.get("SALE")).reward as { coins: string }).coins, "100");
  });
}
