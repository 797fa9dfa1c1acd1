import { describe, expect, test } from "vitest";
import { isCoinageError } from "../errors.js";
import { Dec } from "../money/decimal.js";
import { parseProgram } from "../program.js";
import { levelMultiplier, levelStanding } from "./levels.js";
import { parseEvent } from "./parse.js";
import { previewReward } from "./reward.js";

const program = parseProgram({
  id: "p",
  coinValue: "0.25",
  levels: {
    ladder: [
      { id: "SILVER", from: "10000" },
      { id: "GOLD", from: "50000" },
    ],
  },
});
const event = parseEvent({
  id: "SHOP",
  reward: { kind: "percentage", percent: "10" },
  promotions: [
    { id: "DOUBLE", multiplier: "2", from: "2026-01-01T00:00:00Z", until: "2027-01-01T00:00:00Z" },
  ],
  levels: [{ level: "GOLD", multiplier: "1.25" }],
});
const at = new Date("2026-06-01T00:00:00Z");

describe("member levels", () => {
  test("the program's ladder defaults to a 12-month window", () => {
    expect(program.levels).toEqual({
      ladder: [
        { id: "SILVER", from: "10000" },
        { id: "GOLD", from: "50000" },
      ],
      months: 12,
    });
  });

  test("a qualifying total stands at the highest level it reaches", () => {
    const levels = program.levels as NonNullable<typeof program.levels>;
    expect(levelStanding(levels, new Dec("9999.99"))).toEqual({
      level: null,
      next: { id: "SILVER", from: "10000" },
    });
    expect(levelStanding(levels, new Dec("10000")).level).toBe("SILVER");
    expect(levelStanding(levels, new Dec("50000"))).toEqual({ level: "GOLD", next: null });
  });

  test("an event's level multiplier combines with the promotions' and the breakdown names it", () => {
    const gold = previewReward(event, { amount: "100", level: "GOLD" }, program, at);
    // 100 × 10% ÷ 0.25 = 40, × 2 × 1.25 = 100.
    expect(gold.coins).toBe("100");
    expect(gold.breakdown.level).toEqual({ id: "GOLD", multiplier: "1.25" });
    expect(gold.breakdown.multiplier).toBe("2.5");
    const silver = previewReward(event, { amount: "100", level: "SILVER" }, program, at);
    expect(silver.coins).toBe("80");
    expect(silver.breakdown.level).toEqual({ id: "SILVER", multiplier: "1" });
    const none = previewReward(event, { amount: "100" }, program, at);
    expect(none.breakdown.level).toBeUndefined();
    expect(levelMultiplier(event.levels, "BRONZE").toFixed()).toBe("1");
  });

  test("bad ladders, multipliers and levels are INVALID_INPUT with their paths", () => {
    const issuesOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        if (isCoinageError(error) && error.code === "INVALID_INPUT")
          return error.details.issues.map((issue) => issue.path);
      }
      return [];
    };
    expect(
      issuesOf(() =>
        parseProgram({
          id: "p",
          coinValue: "1",
          levels: {
            ladder: [
              { id: "A", from: "10" },
              { id: "A", from: "5" },
            ],
            months: 0,
          },
        }),
      ),
    ).toEqual([
      "program.levels.ladder[1].id",
      "program.levels.ladder[1].from",
      "program.levels.months",
    ]);
    expect(
      issuesOf(() =>
        parseEvent({ id: "E", reward: { kind: "fixed", coins: "1" }, levels: [{ level: "G" }] }),
      ),
    ).toEqual(["levels[0].multiplier"]);
    expect(
      issuesOf(() => previewReward(event, { amount: "1", level: 5 as never }, program, at)),
    ).toEqual(["transaction.level"]);
  });
});
