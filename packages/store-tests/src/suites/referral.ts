/**
 * `referral(...)`: the referrer's bonus and the referee's welcome bonus,
 * booked together as one idempotent request: both or neither, each an
 * allocation of its own that can be reversed alone.
 */
import type { Coinage } from "@coinage/core";
import { expect, it } from "vitest";
import { expectCode, fixed, newWorld, type StoreRef, storeOf } from "../harness.js";

/**
 * Whether the store cannot book accounts together; then `referral()` must
 * say so, as INVALID_INPUT at `store` (checked here, so the test asserts that much).
 */
async function refused(coins: Coinage): Promise<boolean> {
  await coins.events.create(fixed("PROBE", "1"));
  try {
    await coins.referral({
      referrer: "probe-a",
      referee: "probe-b",
      event: "PROBE",
      refereeEvent: "PROBE",
      requestId: "probe",
    });
    return false;
  } catch (error) {
    expect(error).toMatchObject({
      code: "INVALID_INPUT",
      details: { issues: [{ path: "store" }] },
    });
    return true;
  }
}

const pair = (requestId: string, referee = "bo") => ({
  referrer: "al",
  referee,
  event: "REFER",
  refereeEvent: "WELCOME",
  requestId,
});

export function referralSuite(ref: StoreRef): void {
  it("referral - should book both bonuses as one request, and replay it whole", async () => {
    const { coins } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    await coins.events.create(fixed("REFER", "500"));
    await coins.events.create(fixed("WELCOME", "100"));
    const first = await coins.referral(pair("ref-1"));
    expect(first).toMatchObject({
      requestId: "ref-1",
      replayed: false,
      referrer: { userId: "al", event: "REFER", coins: "500", requestId: "ref-1" },
      referee: { userId: "bo", event: "WELCOME", coins: "100", requestId: "ref-1:referee" },
    });
    expect((await coins.balance("al")).available).toBe("500");
    expect((await coins.balance("bo")).available).toBe("100");

    const again = await coins.referral(pair("ref-1"));
    expect(again).toMatchObject({
      replayed: true,
      referrer: { ...first.referrer, replayed: true },
      referee: { ...first.referee, replayed: true },
    });
    expect((await coins.balance("al")).available).toBe("500");
    await expectCode(coins.referral(pair("ref-1", "cy")), "IDEMPOTENCY_CONFLICT");

    // Each side is an allocation of its own: the welcome bonus reversed alone.
    await coins.reverse({ requestId: "undo", of: "ref-1:referee" });
    expect((await coins.balance("bo")).available).toBe("0");
    expect((await coins.balance("al")).available).toBe("500");
  });

  it("referral - should book neither when one side cannot be, and refuse a self-referral", async () => {
    const { coins } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    await coins.events.create(fixed("REFER", "500"));
    await coins.events.create(fixed("WELCOME", "100"));
    // The referee's request id is taken by an unrelated allocation: nothing is booked.
    await coins.allocate({ userId: "zed", event: "WELCOME", requestId: "ref-2:referee" });
    await expectCode(coins.referral(pair("ref-2")), "IDEMPOTENCY_CONFLICT");
    expect((await coins.balance("al")).available).toBe("0");
    expect((await coins.balance("bo")).available).toBe("0");
    await expectCode(coins.request("ref-2"), "REQUEST_NOT_FOUND");

    const self = await expectCode(
      coins.referral({ ...pair("ref-3"), referee: "al" }),
      "INVALID_INPUT",
    );
    expect(self.details).toMatchObject({ issues: [{ path: "referral.referee" }] });
    await expectCode(coins.referral({ ...pair("ref-3"), event: "NOPE" }), "EVENT_NOT_FOUND");
    expect((await coins.balance("bo")).available).toBe("0");
    // A chosen id for the referee's side.
    const chosen = await coins.referral({ ...pair("ref-4"), refereeRequestId: "welcome-bo" });
    expect(chosen.referee.requestId).toBe("welcome-bo");
    expect((await coins.request("welcome-bo")).userId).toBe("bo");
  });

  it("referral - caps per referrer come from the event's per-user caps", async () => {
    const { coins } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    await coins.events.create(
      fixed("REFER", "500", { caps: { perUser: [{ coins: "1000", period: "month" }] } }),
    );
    await coins.events.create(fixed("WELCOME", "100"));
    const results = [];
    for (const [i, referee] of ["b1", "b2", "b3"].entries())
      results.push(await coins.referral(pair(`r${i}`, referee)));
    expect(results.map((r) => [r.referrer.coins, r.referee.coins])).toEqual([
      ["500", "100"],
      ["500", "100"],
      ["0", "100"],
    ]);
    expect(results[2]?.referrer.breakdown.caps[0]).toMatchObject({
      cap: "perUser",
      period: "month",
    });
  });

  it("referral - concurrent repeats book it once", async () => {
    const { coins } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    await coins.events.create(fixed("REFER", "500"));
    await coins.events.create(fixed("WELCOME", "100"));
    const all = await Promise.all(Array.from({ length: 6 }, () => coins.referral(pair("same"))));
    expect(all.filter((r) => !r.replayed)).toHaveLength(1);
    expect((await coins.balance("al")).available).toBe("500");
    expect((await coins.balance("bo")).available).toBe("100");
  });
}
