/**
 * `erase(userId)`: the right to be forgotten. The account's coins are
 * forfeited (booked as expired), its rows move to a random pseudonym with
 * free-text reasons dropped, program totals stay exact, and the same user id
 * afterwards is a fresh account.
 */
import type { Coinage } from "@coinage/core";
import { expect, it } from "vitest";
import { allHistory, expectCode, fixed, newWorld, type StoreRef, storeOf } from "../harness.js";

/**
 * Whether the store cannot erase; then `erase()` must say so, as
 * INVALID_INPUT at `store` (checked here, so the test asserts that much).
 */
async function refused(coins: Coinage): Promise<boolean> {
  try {
    await coins.erase("nobody-at-all");
    return false;
  } catch (error) {
    expect(error).toMatchObject({
      code: "INVALID_INPUT",
      details: { issues: [{ path: "store" }] },
    });
    return true;
  }
}

export function erasureSuite(ref: StoreRef): void {
  it("erase - should forfeit the coins, move every row to a pseudonym and leave the user id fresh", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    await coins.events.create(fixed("SHOP", "100", { expiry: { days: 30 } }));
    await coins.events.create(fixed("LATER", "40", { activation: { days: 7 } }));
    await coins.allocate({
      userId: "mia",
      event: "SHOP",
      requestId: "a1",
      reason: "order 17 for Mia",
    });
    await coins.allocate({ userId: "mia", event: "LATER", requestId: "a2" });
    await coins.redeem({ userId: "mia", coins: "30", requestId: "r1", reason: "Mia's checkout" });
    await coins.adjust({ userId: "mia", coins: "5", requestId: "j1", reason: "called about Mia" });
    await coins.allocate({ userId: "other", event: "SHOP", requestId: "o1" });
    const before = (await coins.liability().catch(() => undefined)) ?? null;

    clock.advance({ hours: 1 });
    const erased = await coins.erase("mia");
    expect(erased.pseudonym).toMatch(/^erased-[0-9a-f]{32}$/);
    expect(erased).toMatchObject({ forfeited: "115", debt: "0", erasedAt: clock.iso });

    // The user id is a fresh account.
    expect(await coins.balance("mia")).toMatchObject({ available: "0", pending: "0", debt: "0" });
    expect((await coins.history("mia")).items).toEqual([]);

    // The rows stand under the pseudonym: amounts kept, reasons gone, the forfeit last.
    const kept = await allHistory(coins, erased.pseudonym);
    expect(kept.map((e) => [e.type, e.coins])).toEqual([
      ["expire", "-115"],
      ["adjust", "5"],
      ["redeem", "-30"],
      ["earn", "40"],
      ["earn", "100"],
    ]);
    expect(kept.every((e) => e.reason === null)).toBe(true);
    expect(await coins.balance(erased.pseudonym)).toMatchObject({ available: "0", pending: "0" });

    // Request records name the pseudonym, nowhere the user id or a reason.
    for (const requestId of ["a1", "a2", "r1", "j1"]) {
      const status = await coins.request(requestId);
      expect(status.userId).toBe(erased.pseudonym);
      const text = JSON.stringify(status);
      expect(text).not.toContain('"mia"');
      expect(text).not.toContain("Mia");
    }
    // An old request id is bound to the erased record: a new call with it conflicts.
    await expectCode(
      coins.allocate({ userId: "mia", event: "SHOP", requestId: "a1" }),
      "IDEMPOTENCY_CONFLICT",
    );
    // Others are untouched, and the same user id starts again from nothing.
    expect((await coins.balance("other")).available).toBe("100");
    await coins.allocate({ userId: "mia", event: "SHOP", requestId: "a3" });
    expect((await coins.balance("mia")).available).toBe("100");
    expect(await allHistory(coins, "mia")).toHaveLength(1);

    // The books: the forfeit counts as expired; outstanding drops by it.
    if (before !== null) {
      const after = await coins.liability();
      expect(after.expired).toBe("115");
      expect(after.earned).toBe(String(Number(before.earned) + 100));
      expect(after.outstanding).toBe(String(Number(before.outstanding) - 115 + 100));
    }
  });

  it("erase - should keep a debt under the pseudonym, and erase a user never seen as nothing", async () => {
    const { coins } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    await coins.events.create(fixed("SHOP", "50"));
    await coins.allocate({ userId: "d", event: "SHOP", requestId: "a1" });
    await coins.redeem({ userId: "d", coins: "50", requestId: "r1" });
    await coins.reverse({ requestId: "v1", of: "a1" });
    const erased = await coins.erase("d");
    expect(erased).toMatchObject({ forfeited: "0", debt: "50" });
    expect((await coins.balance(erased.pseudonym)).debt).toBe("50");
    expect((await coins.balance("d")).debt).toBe("0");

    const nobody = await coins.erase("never-seen");
    expect(nobody).toMatchObject({ forfeited: "0", debt: "0" });
    await expectCode(coins.erase(""), "INVALID_INPUT");
  });

  it("erase - should rewrite the change feed's entries of the user", async () => {
    const { store, coins } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    if (typeof store.readFeed !== "function") {
      // No feed on this store: nothing to rewrite there.
      await expectCode(coins.feed(), "INVALID_INPUT");
      return;
    }
    await coins.events.create(fixed("SHOP", "10"));
    await coins.allocate({ userId: "f", event: "SHOP", requestId: "a1", reason: "for f" });
    const erased = await coins.erase("f");
    // A store may hold entries back while older writes are in flight: poll.
    const deadline = Date.now() + 15_000;
    const items = [];
    let after: string | null = null;
    while (items.length < 2 && Date.now() < deadline) {
      const page = await coins.feed({ after, limit: 50 });
      items.push(...page.items);
      after = page.nextCursor;
      if (page.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(items.map((item) => [item.userId, item.type, item.reason])).toEqual([
      [erased.pseudonym, "earn", null],
      [erased.pseudonym, "expire", null],
    ]);
  });
}
