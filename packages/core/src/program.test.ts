import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError, type InputIssue } from "./errors.js";
import { parseProgram } from "./program.js";

function issues(input: unknown): InputIssue[] {
  try {
    parseProgram(input);
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT")) return [...error.details.issues];
    throw error;
  }
  throw new Error("expected INVALID_INPUT");
}
const paths = (input: unknown) => issues(input).map((i) => i.path);

describe("parseProgram", () => {
  test("an input that cannot be read is INVALID_INPUT at its path", () => {
    const throwing = Object.defineProperty({ id: "acme" }, "coinValue", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(paths(throwing)).toEqual(["program.coinValue"]);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(paths(proxy)).toEqual(["program"]);
  });

  test("fills in the defaults", () => {
    expect(parseProgram({ id: "acme", coinValue: "0.25" })).toEqual({
      id: "acme",
      coinValue: "0.25",
      coinScale: 0,
      rounding: "down",
      timeZone: "UTC",
      clawback: "debt",
    });
  });

  test("keeps every given setting, canonicalising the coin value", () => {
    expect(
      parseProgram({
        id: "acme",
        coinValue: "0.250",
        coinScale: 2,
        rounding: "halfEven",
        timeZone: "Asia/Kolkata",
        clawback: "cap",
      }),
    ).toEqual({
      id: "acme",
      coinValue: "0.25",
      coinScale: 2,
      rounding: "halfEven",
      timeZone: "Asia/Kolkata",
      clawback: "cap",
    });
    expect(parseProgram({ id: "acme", coinValue: 0.5 }).coinValue).toBe("0.5");
    expect(parseProgram({ id: "acme", coinValue: 1 }).coinValue).toBe("1");
  });

  test("reports every problem at once, with program paths", () => {
    expect(
      paths({
        id: "",
        coinValue: "0",
        coinScale: 9,
        rounding: "ceil",
        timeZone: "Mars/Olympus",
        clawback: "forgive",
      }),
    ).toEqual([
      "program.id",
      "program.coinValue",
      "program.coinScale",
      "program.rounding",
      "program.clawback",
      "program.timeZone",
    ]);
  });

  test("requires id and coinValue", () => {
    expect(issues({})).toEqual([
      { path: "program.id", message: "is required" },
      { path: "program.coinValue", message: "is required" },
    ]);
  });

  test("rejects unknown keys, so a misspelt time zone cannot fall back to UTC", () => {
    expect(paths({ id: "acme", coinValue: "1", timezone: "Asia/Kolkata" })).toEqual([
      "program.timezone",
    ]);
  });

  test("rejects inexact numbers, negative values, fractional scales and long ids", () => {
    expect(paths({ id: "acme", coinValue: 0.1 })).toEqual(["program.coinValue"]);
    expect(paths({ id: "acme", coinValue: "-1" })).toEqual(["program.coinValue"]);
    expect(paths({ id: "acme", coinValue: "1", coinScale: 1.5 })).toEqual(["program.coinScale"]);
    expect(paths({ id: "x".repeat(201), coinValue: "1" })).toEqual(["program.id"]);
  });

  test("rejects what is not an object", () => {
    for (const bad of [null, undefined, "acme", 1, [], new Date()])
      expect(paths(bad)).toEqual(["program"]);
  });

  test("the error names the first problem and the count of others", () => {
    try {
      parseProgram({ id: "", coinValue: "0" });
    } catch (error) {
      expect((error as Error).message).toBe(
        "Invalid input at program.id: must not be empty (and 1 more)",
      );
    }
  });
});

describe("properties", () => {
  const key = fc.constantFrom(
    "id",
    "coinValue",
    "coinScale",
    "rounding",
    "timeZone",
    "clawback",
    "__proto__",
    "extra",
  );
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom("0.25", "UTC", "Europe/London", "down", "cap", 0, 2, 8, "acme"),
  );

  test("arbitrary input yields a program or INVALID_INPUT, never another throw", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), (input) => {
        try {
          const program = parseProgram(input);
          expect(parseProgram(program)).toEqual(program);
        } catch (error) {
          expect(CoinageError.is(error, "INVALID_INPUT")).toBe(true);
        }
      }),
    );
  });

  test("parseProgram is idempotent on valid programs", () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes("\u0000")),
          coinValue: fc.integer({ min: 1, max: 10 ** 6 }).map((n) => (n / 1000).toString()),
          coinScale: fc.integer({ min: 0, max: 8 }),
          rounding: fc.constantFrom("down", "up", "halfUp", "halfEven" as const),
          timeZone: fc.constantFrom("UTC", "America/New_York", "Australia/Lord_Howe"),
          clawback: fc.constantFrom("debt", "cap" as const),
        }),
        (input) => {
          const program = parseProgram(input);
          expect(program).toEqual(input);
          expect(parseProgram(program)).toEqual(program);
        },
      ),
    );
  });
});
