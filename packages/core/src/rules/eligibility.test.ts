import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { eventActivity } from "./eligibility.js";
import type { CoinEvent } from "./types.js";

const event = (over: Partial<CoinEvent> = {}): CoinEvent => ({
  id: "E",
  name: "E",
  status: "active",
  reward: { kind: "fixed", coins: "1" },
  version: 1,
  ...over,
});
const at = (iso: string) => new Date(iso);
const window = { from: "2026-11-27T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" };

describe("eventActivity", () => {
  test("status", () => {
    expect(eventActivity(event(), at("2026-11-27T00:00:00Z"))).toBeNull();
    expect(eventActivity(event({ status: "paused" }), at("2026-11-27T00:00:00Z"))).toBe("paused");
    expect(eventActivity(event({ status: "archived", window }), at("2020-01-01T00:00:00Z"))).toBe(
      "archived",
    );
  });

  test("the window is half-open: [from, until)", () => {
    const e = event({ window });
    expect(eventActivity(e, at("2026-11-26T23:59:59.999Z"))).toBe("before_window");
    expect(eventActivity(e, at("2026-11-27T00:00:00.000Z"))).toBeNull();
    expect(eventActivity(e, at("2026-11-30T23:59:59.999Z"))).toBeNull();
    expect(eventActivity(e, at("2026-12-01T00:00:00.000Z"))).toBe("after_window");
  });

  test("open-ended windows", () => {
    expect(
      eventActivity(event({ window: { from: window.from } }), at("2099-01-01T00:00:00Z")),
    ).toBeNull();
    expect(
      eventActivity(event({ window: { until: window.until } }), at("1999-01-01T00:00:00Z")),
    ).toBeNull();
  });

  test("an invalid date is INVALID_INPUT", () => {
    expect(() => eventActivity(event(), new Date(Number.NaN))).toThrowError(/now/);
  });
});

describe("properties", () => {
  test("an active event without a window is active at every instant", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 0, 1) }), (ms) => {
        expect(eventActivity(event(), new Date(ms))).toBeNull();
      }),
    );
  });

  test("inside the window exactly when from ≤ now < until", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
        fc.integer({ min: 1, max: 10 ** 10 }),
        fc.integer({ min: -(10 ** 10), max: 2 * 10 ** 10 }),
        (from, length, offset) => {
          const e = event({
            window: {
              from: new Date(from).toISOString(),
              until: new Date(from + length).toISOString(),
            },
          });
          const now = from + offset;
          const expected =
            now < from ? "before_window" : now >= from + length ? "after_window" : null;
          expect(eventActivity(e, new Date(now))).toBe(expected);
        },
      ),
    );
  });
});
