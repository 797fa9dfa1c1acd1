import { describe, expect, expectTypeOf, it } from "vitest";
import { type AnyCoinageError, CoinageError, isCoinageError } from "../src/index.js";

describe("CoinageError", () => {
  it("messages name what they are about", () => {
    expect(new CoinageError("EVENT_NOT_FOUND", { eventId: "SHOP" }).message).toContain('"SHOP"');
    expect(new CoinageError("IDEMPOTENCY_CONFLICT", { requestId: "order-7" }).message).toContain(
      '"order-7"',
    );
    expect(new CoinageError("REQUEST_NOT_FOUND", { requestId: "r 1" }).message).toContain('"r 1"');
    expect(
      new CoinageError("INSUFFICIENT_COINS", { userId: "u1", available: "3", requested: "5" })
        .message,
    ).toBe('The account "u1" holds 3 available coins, fewer than the 5 asked for.');
    // A message given explicitly wins.
    expect(new CoinageError("INTERNAL", { operation: "x" }, { message: "m" }).message).toBe("m");
  });

  it("isCoinageError narrows to a union discriminated by code", () => {
    const error: unknown = new CoinageError("INSUFFICIENT_COINS", {
      userId: "u1",
      available: "3",
      requested: "5",
    });
    expect(isCoinageError(error)).toBe(true);
    if (!isCoinageError(error)) return;
    expectTypeOf(error).toEqualTypeOf<AnyCoinageError>();
    switch (error.code) {
      case "INSUFFICIENT_COINS":
        expectTypeOf(error.details.available).toEqualTypeOf<string>();
        expect(error.details.available).toBe("3");
        break;
      case "VERSION_CONFLICT":
        expectTypeOf(error.details.actualVersion).toEqualTypeOf<number>();
        throw new Error("unreachable");
      default:
        throw new Error(`unexpected ${error.code}`);
    }
    expect(isCoinageError(new Error("x"))).toBe(false);
    expect(isCoinageError({ code: "INTERNAL" })).toBe(false);
    expect(isCoinageError(null)).toBe(false);
  });

  it("recognises errors made by another copy of the package (ESM and CJS, two versions)", async () => {
    // A second instance of the module, as a second copy of the package would be.
    const other = (await import(
      /* @vite-ignore */ `../src/errors.js?copy=${Date.now()}`
    )) as typeof import("../src/errors.js");
    expect(other.CoinageError).not.toBe(CoinageError);
    const foreign = new other.CoinageError("EVENT_NOT_FOUND", { eventId: "E" });
    expect(isCoinageError(foreign)).toBe(true);
    expect(foreign instanceof CoinageError).toBe(true);
    expect(CoinageError.is(foreign, "EVENT_NOT_FOUND")).toBe(true);
    expect(CoinageError.is(foreign, "EVENT_EXISTS")).toBe(false);
    expect(other.isCoinageError(new CoinageError("INTERNAL", { operation: "o" }))).toBe(true);
  });
});
