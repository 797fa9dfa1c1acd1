/**
 * What the commands need of a store, beyond the `Store` contract: its
 * migrations, its health checks, the programs it holds and their
 * outstanding coins. One implementation per store (`postgres.ts`,
 * `redis.ts`); they hold the connections, the commands hold the logic.
 */
import type { Store } from "@coinage/core";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of `coinage doctor`. */
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export type MigrateReport =
  | {
      readonly kind: "postgres";
      /** Names of the migrations this run applied. */
      readonly applied: readonly string[];
      /** The schema version after the run (the newest migration applied). */
      readonly version: number;
    }
  | {
      readonly kind: "redis";
      /** Request-id claims of version 0.1 found, copied, and in conflict (see `upgradeRedisStore`). */
      readonly claims: number;
      readonly copied: number;
      readonly conflicts: readonly string[];
    };

/** Coins of one program at one instant, as exact decimal strings. */
export interface Outstanding {
  readonly program: string;
  /** Accounts the store holds (written at least once). */
  readonly accounts: number;
  /** Of those, accounts holding available or pending coins. */
  readonly holders: number;
  readonly available: string;
  readonly pending: string;
  readonly debt: string;
}

export interface Backend {
  readonly kind: "postgres" | "redis";
  /** The coinage store over this backend's connection. */
  readonly store: Store;
  /** Fails when the server cannot be reached. */
  connect(): Promise<void>;
  migrate(): Promise<MigrateReport>;
  /** Health checks; never throws (an unreachable server is a failed check). */
  doctor(options: { readonly scan: boolean }): Promise<Check[]>;
  /** Ids of the programs that have accounts, sorted. */
  programs(): Promise<string[]>;
  /** Outstanding coins per program at `at` (every program with accounts when `programs` is omitted). */
  outstanding(programs: readonly string[] | undefined, at: number): Promise<Outstanding[]>;
  close(): Promise<void>;
}

/** Ids in one order on every store: by UTF-16 code units, as JavaScript compares strings. */
export function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An error's message, for a check or an error line. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    // Coinage wraps driver failures (STORE_UNAVAILABLE): the driver's message says what happened.
    if (cause instanceof Error && cause.message !== "" && !error.message.includes(cause.message))
      return `${error.message}: ${cause.message}`;
    return error.message === "" ? error.name : error.message;
  }
  return String(error);
}

/** A read through the store itself (its own statements), when nothing failed before. */
export async function storeCheck(
  checks: readonly Check[],
  store: Backend["store"],
): Promise<Check> {
  if (checks.some((check) => check.status === "fail"))
    return { name: "store", status: "skip", detail: "not tried: an earlier check failed" };
  try {
    await store.listEvents("coinage-doctor", { limit: 1 });
    return { name: "store", status: "ok", detail: "a read through the store succeeded" };
  } catch (error) {
    return { name: "store", status: "fail", detail: messageOf(error) };
  }
}
