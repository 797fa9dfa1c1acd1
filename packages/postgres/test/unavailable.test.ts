/** Which driver errors the store reports as STORE_UNAVAILABLE (no server needed). */
import { describe, expect, it } from "vitest";
import { isConnectionError, isUnavailableError } from "../src/failures.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("isUnavailableError", () => {
  it("should count refused, lost and timed-out connections, timeouts and exhausted servers", () => {
    for (const error of [
      withCode("ECONNREFUSED"),
      withCode("ECONNRESET"),
      withCode("ETIMEDOUT"),
      withCode("ENETDOWN"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")], "connect failed"),
      withCode("57014"), // statement_timeout
      withCode("57P01"), // admin shutdown
      withCode("08006"), // connection failure
      withCode("53300"), // too many connections
      withCode("40001"), // serialization failure, after the retries
    ]) {
      expect(isUnavailableError(error), String(error)).toBe(true);
    }
  });

  it("should not count an error of the request itself or of the code", () => {
    for (const error of [
      withCode("22021", "invalid byte sequence for encoding UTF8: 0x00"),
      withCode("23514", "violates check constraint"),
      withCode("42P01", "relation does not exist"),
      new TypeError("cannot read properties of undefined"),
      new AggregateError([withCode("ECONNREFUSED"), new TypeError("bug")], "mixed"),
      null,
      "a string",
    ]) {
      expect(isUnavailableError(error), String(error)).toBe(false);
      expect(isConnectionError(error), String(error)).toBe(false);
    }
  });
});
