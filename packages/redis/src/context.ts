/** What every part of the store shares: the script runner, the key layout, the limits. */
import { CoinageError } from "@coinage/core";
import type { ScriptRunner } from "./client.js";
import { type ProgramKeys, programKeys } from "./keys.js";

/** Optimistic attempts before a command takes the account's lease. */
export const OPTIMISTIC_ATTEMPTS = 3;
/** Hard bound on attempts of one command. */
export const MAX_ATTEMPTS = 64;
/** How long a lease holds when its holder never drops it (a crashed process). */
export const LEASE_MS = 5_000;
/**
 * How long a claim's holder count outlives its last claim: far longer than
 * any call holds a claim. Once it is gone, the claim can no longer be given
 * back (it stays, as it would after a crash).
 */
export const CLAIM_HOLDERS_TTL_MS = 3_600_000;

export class Context {
  readonly scripts: ScriptRunner;
  readonly contentionTimeoutMs: number;
  /**
   * Whether one script may take keys of several hash tags: true on a single
   * server, where a command claims its request id and reads its account in
   * one call; false on a Cluster (or behind a proxy that routes by key).
   */
  readonly crossSlot: boolean;
  /** How long a command's pending feed mark waits before `readFeed` repairs it (see `feed.ts`). */
  readonly feedGraceMs: number;
  /** The clock of pending feed marks and their grace period (ms since the epoch). */
  readonly now: () => number;
  readonly #prefix: string;
  readonly #programs = new Map<string, ProgramKeys>();

  constructor(
    scripts: ScriptRunner,
    prefix: string,
    contentionTimeoutMs: number,
    crossSlot: boolean,
    feedGraceMs = 5_000,
    now: () => number = Date.now,
  ) {
    this.scripts = scripts;
    this.feedGraceMs = feedGraceMs;
    this.now = now;
    this.#prefix = prefix;
    this.contentionTimeoutMs = contentionTimeoutMs;
    this.crossSlot = crossSlot;
  }

  /** The program's keys (kept for the last programs used: building them is not free). */
  keys(programId: string): ProgramKeys {
    let keys = this.#programs.get(programId);
    if (keys === undefined) {
      if (this.#programs.size >= 256) this.#programs.clear();
      keys = programKeys(this.#prefix, programId);
      this.#programs.set(programId, keys);
    }
    return keys;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A command that gave up on a busy account or counter, having written nothing. */
export function contention(what: string, operation: string): CoinageError {
  return new CoinageError(
    "STORE_UNAVAILABLE",
    { operation },
    {
      message: `Gave up waiting for ${what}: too many concurrent writers. Nothing of this command was written; retry it with the same requestId.`,
    },
  );
}
