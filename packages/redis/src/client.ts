import { CoinageError } from "@coinage/core";
import type { Script } from "./scripts/script.js";

export type Arg = string | number;

/** What the store needs to load a script on one node. */
export interface ScriptLoader {
  script(subcommand: "LOAD", script: string): Promise<unknown>;
}

/**
 * The part of an ioredis client the store uses: scripts only. Both `Redis`
 * and `Cluster` from ioredis fit; `nodes` (Cluster only) lets the store load
 * its scripts on every master, and tells it that keys of different slots
 * live on different servers.
 */
export interface RedisScriptClient extends ScriptLoader {
  evalsha(sha1: string, numkeys: number, ...args: Arg[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: Arg[]): Promise<unknown>;
  nodes?(role: "master"): readonly ScriptLoader[];
}

export function unavailable(operation: string, cause: unknown): CoinageError {
  if (CoinageError.is(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CoinageError(
    "STORE_UNAVAILABLE",
    { operation },
    { message: `Redis did not complete ${operation}: ${reason}`, cause },
  );
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

interface Waiting {
  readonly deadline: number;
  readonly operation: string;
  readonly fail: (error: Error) => void;
}

/**
 * Fails calls that wait longer than `timeoutMs`. One timer serves every call
 * in flight (a timer per call costs more than the call's own bookkeeping);
 * it ticks while calls wait, so a call fails between `timeoutMs` and
 * 1.25 × `timeoutMs` after it was sent.
 */
class Deadlines {
  readonly #timeoutMs: number;
  readonly #waiting = new Set<Waiting>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  add(operation: string, fail: (error: Error) => void): Waiting {
    const waiting: Waiting = { deadline: Date.now() + this.#timeoutMs, operation, fail };
    this.#waiting.add(waiting);
    this.#timer ??= this.#start();
    return waiting;
  }

  /** Whether the call was still waiting (not failed by its deadline already). */
  delete(waiting: Waiting): boolean {
    return this.#waiting.delete(waiting);
  }

  #start(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => this.#tick(), Math.max(1, Math.floor(this.#timeoutMs / 4)));
    timer.unref?.();
    return timer;
  }

  #tick(): void {
    const now = Date.now();
    for (const waiting of this.#waiting) {
      if (waiting.deadline > now) continue;
      this.#waiting.delete(waiting);
      waiting.fail(new Error(`${waiting.operation} timed out after ${this.#timeoutMs} ms`));
    }
    if (this.#waiting.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/**
 * Runs scripts by EVALSHA. On NOSCRIPT (first use, a restarted or failed-over
 * node) it loads the script with SCRIPT LOAD, on every master of a Cluster,
 * and calls EVALSHA again; should that node still miss it, EVAL runs it.
 * NOSCRIPT means the script did not run, so the retry cannot apply twice.
 *
 * Every failure becomes `STORE_UNAVAILABLE`; so does a call that takes longer
 * than `timeoutMs`. Such a call may still be applied later: every write the
 * store sends is version-checked or idempotent, so that is safe.
 */
export class ScriptRunner {
  readonly #client: RedisScriptClient;
  readonly #deadlines: Deadlines;
  /** Loads in flight, by sha: concurrent calls that all met NOSCRIPT share one load. */
  readonly #loading = new Map<string, Promise<void>>();
  /** Whether keys of different slots live on different servers (a Cluster client). */
  readonly cluster: boolean;

  constructor(client: RedisScriptClient, timeoutMs: number) {
    this.#client = client;
    this.#deadlines = new Deadlines(timeoutMs);
    this.cluster = typeof client.nodes === "function";
  }

  run(
    operation: string,
    script: Script,
    keys: readonly string[],
    args: readonly Arg[] = [],
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiting = this.#deadlines.add(operation, (error) =>
        reject(unavailable(operation, error)),
      );
      const done = (value: unknown) => {
        if (this.#deadlines.delete(waiting)) resolve(value);
      };
      const failed = (error: unknown) => {
        if (this.#deadlines.delete(waiting)) reject(unavailable(operation, error));
      };
      let sent: Promise<unknown>;
      try {
        sent = this.#client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        failed(error);
        return;
      }
      sent.then(done, (error: unknown) => {
        if (isNoScript(error)) this.#loadAndCall(script, keys, args).then(done, failed);
        else failed(error);
      });
    });
  }

  /** After NOSCRIPT: loads the script and calls it again; EVAL if the node still lacks it. */
  async #loadAndCall(
    script: Script,
    keys: readonly string[],
    args: readonly Arg[],
  ): Promise<unknown> {
    await this.#load(script);
    try {
      return await this.#client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
    }
    return await this.#client.eval(script.source, keys.length, ...keys, ...args);
  }

  #load(script: Script): Promise<void> {
    const running = this.#loading.get(script.sha);
    if (running !== undefined) return running;
    const masters = this.#client.nodes?.("master") ?? [];
    const targets: readonly ScriptLoader[] = masters.length > 0 ? masters : [this.#client];
    const load = Promise.all(targets.map((node) => node.script("LOAD", script.source)))
      .then(() => undefined)
      .finally(() => this.#loading.delete(script.sha));
    this.#loading.set(script.sha, load);
    return load;
  }
}
