import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatInstant } from "../time/instant.js";
import { instantMs } from "./instants.js";

describe("instantMs", () => {
  it("reads back every instant formatInstant writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }), (ms) => {
        expect(instantMs(formatInstant(ms))).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees with Date.parse on other strings", () => {
    const texts = [
      "2026-02-29T00:00:00.000Z",
      "2026-13-01T00:00:00.000Z",
      "2026-01-01T24:00:00.000Z",
      "0099-01-01T00:00:00.000Z",
      "2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00.000+01:00",
      "2026-01-01 00:00:00.000Z",
      "x026-01-01T00:00:00.000Z",
    ];
    for (const text of texts) expect(instantMs(text), text).toEqual(Date.parse(text));
    fc.assert(
      fc.property(fc.string({ minLength: 24, maxLength: 24 }), (text) => {
        expect(instantMs(text)).toEqual(Date.parse(text));
      }),
    );
  });
});
