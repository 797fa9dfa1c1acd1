/**
 * How the adapters hand on a library's failure: coinage must still read the
 * SQLSTATE or the lost connection in it. Failures a real server cannot be
 * made to produce reliably are played by stand-in transactions here.
 */
import { describe, expect, it } from "vitest";
import { fromDrizzle } from "../../src/adapters/drizzle.js";
import { fromPostgresJs } from "../../src/adapters/postgres-js.js";
import { fromPrisma } from "../../src/adapters/prisma.js";
import { isConnectionError, isRetryableError, sqlState } from "../../src/failures.js";

const failure = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? "failed")), fields);

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the query to fail");
}

describe("fromPostgresJs failures", () => {
  const failing = (error: unknown) =>
    fromPostgresJs({ unsafe: () => Promise.reject(error) }).query("SELECT 1");

  it.each(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"])(
    "should report postgres.js's %s as a lost connection, keeping its error as the cause",
    async (code) => {
      const original = failure({ code, message: `write ${code} 127.0.0.1:5432` });
      const error = await caught(() => failing(original));
      expect(isConnectionError(original)).toBe(false);
      expect(isConnectionError(error)).toBe(true);
      expect((error as Error).cause).toBe(original);
      expect((error as Error).message).toBe(original.message);
    },
  );

  it("should hand on a server error as it is", async () => {
    const original = failure({ code: "40P01", message: "deadlock detected" });
    expect(await caught(() => failing(original))).toBe(original);
  });
});

describe("fromPrisma failures", () => {
  const failing = (error: unknown) =>
    fromPrisma({ $queryRawUnsafe: () => Promise.reject(error) }).query("SELECT 1");
  const p2010 = (cause: Record<string, unknown>) =>
    failure({
      code: "P2010",
      message: "Invalid `prisma.$queryRawUnsafe()` invocation: Raw query failed.",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause } },
    });

  it("should carry the server's SQLSTATE, also where Prisma names the failure itself", async () => {
    const original = p2010({
      kind: "TransactionWriteConflict",
      originalCode: "40001",
      originalMessage: "could not serialize access due to concurrent update",
    });
    const error = await caught(() => failing(original));
    expect(sqlState(error)).toBe("40001");
    expect(isRetryableError(error)).toBe(true);
    expect((error as Error).message).toBe("could not serialize access due to concurrent update");
    expect((error as Error).cause).toBe(original);
  });

  it.each(["ConnectionClosed", "SocketTimeout", "DatabaseNotReachable"])(
    "should report the driver adapter's %s as a lost connection",
    async (kind) => {
      const original = p2010({ kind });
      const error = await caught(() => failing(original));
      expect(isConnectionError(error)).toBe(true);
      expect((error as Error).cause).toBe(original);
    },
  );

  it("should hand on any other error as it is", async () => {
    for (const original of [
      p2010({ kind: "GenericJs", id: 1 }),
      failure({ code: "P2028", message: "Transaction already closed" }),
      new TypeError("not a Prisma error"),
    ]) {
      expect(await caught(() => failing(original))).toBe(original);
    }
  });
});

describe("fromDrizzle failures", () => {
  const failing = (error: unknown) =>
    fromDrizzle({ execute: () => Promise.reject(error) }).query("SELECT $1::int", [1]);

  it("should hand on the driver's error that Drizzle wraps", async () => {
    const driver = failure({ code: "57P01", message: "terminating connection" });
    const wrapped = failure({
      message: "Failed query: SELECT $1::int",
      query: "SELECT $1::int",
      params: [1],
      cause: driver,
    });
    const error = await caught(() => failing(wrapped));
    expect(error).toBe(driver);
    expect(isConnectionError(error)).toBe(true);
  });

  it("should hand on an error Drizzle did not wrap as it is", async () => {
    const original = failure({ code: "40P01", message: "deadlock detected" });
    expect(await caught(() => failing(original))).toBe(original);
  });
});
