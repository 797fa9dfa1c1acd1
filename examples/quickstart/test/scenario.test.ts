import { memoryStore } from "@coinage/memory";
import { describe, expect, it } from "vitest";
import { runScenario } from "../src/scenario.js";

describe("quickstart scenario", () => {
  it("books tiers, the promotion, FIFO redemption and expiry as described", async () => {
    const lines = await runScenario(memoryStore());
    const text = lines.map((l) => `${l.step}: ${l.detail}`).join("\n");
    expect(text).toContain("order of 4000.00 at 5% -> 800 coins");
    expect(text).toContain("order of 12000.00 at 10% -> 4800 coins");
    expect(text).toContain("holiday sale order of 2000.00 -> 800 coins (base 400 x 2)");
    expect(text).toContain("available 6900 coins = 1725 in currency");
    // The referral bonus (earliest expiry) goes first, then the first order's lot.
    expect(text).toContain("lot 3: 500, lot 1: 500");
    expect(text).toContain("5100 coins expired in 2 lots; available now 800");
  });
});
