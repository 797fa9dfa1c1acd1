import { CoinageError } from "@coinage/core";
import type { Script } from "./scripts.js";

type Arg = string | number;

/** What the store needs to load a script on one node. */
export interface ScriptLoader {
  script(subcommand: "LOAD", script: string): Promise<unknown>;
}

/**
 * The part of an ioredis client the store uses: scripts only. Both `Redis`
 * and `Cluster` from ioredis fit; `nodes` (Cluster only) lets the store load
 * its scripts on every master.
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
  readonly #timeoutMs: number;
  /** Loads in flight, by sha: concurrent calls that all met NOSCRIPT share one load. */
  readonly #loading = new Map<string, Promise<void>>();

  constructor(client: RedisScriptClient, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  async run(
    operation: string,
    script: Script,
    keys: readonly string[],
    args: readonly Arg[] = [],
  ): Promise<unknown> {
    try {
      return await this.#withTimeout(operation, this.#call(script, keys, args));
    } catch (error) {
      throw unavailable(operation, error);
    }
  }

  async #call(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    try {
      return await this.#client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
    }
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

  #withTimeout<T>(operation: string, work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${operation} timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    // The late outcome of a timed-out call is of no interest; keep it from
    // surfacing as an unhandled rejection.
    work.catch(() => undefined);
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
