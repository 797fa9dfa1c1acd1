import { parseEvent, parseProgram, previewReward } from "@coinage/core";
import { describe, expect, it } from "vitest";
import { explain } from "../src/explain.js";

const program = parseProgram({ id: "p", coinValue: "0.25" });
const event = parseEvent({
  id: "SHOP",
  reward: { kind: "percentage", percent: "10" },
  levels: [{ level: "GOLD", multiplier: "1.25" }],
});
const at = new Date("2026-06-01T00:00:00Z");

describe("explain", () => {
  it("names the member level and its multiplier", () => {
    const lines = explain(
      previewReward(event, { amount: "100", level: "GOLD" }, program, at),
      program,
    );
    expect(lines).toContain("Member level GOLD: ×1.25.");
    expect(lines).toContain("No promotion active at this time: multiplier ×1.25: 50 coins.");
    expect(lines.at(-1)).toBe("= 50 coins, worth 12.5.");
  });

  it("says when the event has no multiplier for the level, and says nothing without one", () => {
    const silver = explain(
      previewReward(event, { amount: "100", level: "SILVER" }, program, at),
      program,
    );
    expect(silver).toContain("Member level SILVER: this event has no multiplier for it (×1).");
    const none = explain(previewReward(event, { amount: "100" }, program, at), program);
    expect(none.some((line) => line.includes("Member level"))).toBe(false);
    expect(none).toContain("No promotion active at this time (×1).");
  });
});
