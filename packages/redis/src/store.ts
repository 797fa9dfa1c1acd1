/**
 * `redisStore`: a coinage `Store` on Redis through ioredis. Each part lives
 * in its own file:
 * - commands: `execute.ts`, `execute-many.ts` (with `batch.ts`, the pure
 *   decisions of a batch, and `batch-reads.ts`), `together.ts` (a group of
 *   accounts all or nothing: referrals), `erase.ts` with `erase-steps.ts`
 *   (an erasure rolling forward), `commit.ts`, `claims.ts`,
 *   `budgets.ts`, `lease.ts`;
 * - reads: `account.ts` (one account as a command reads it), `reads.ts`
 *   (snapshot assembly, history, request records), `migrate.ts` (accounts
 *   of version 0.1), `expiry.ts` (the expiry index and the sweep), `feed.ts`
 *   (the change feed: publication around the commit, repair, pages),
 *   `liability.ts` (the program totals the feed's publication keeps);
 * - `events.ts`; `upgrade.ts` (claims of version 0.1 on a Cluster);
 * - layout: `keys.ts`, `lot-index.ts`, `slots.ts`; Lua: `scripts/`;
 * - the client: `client.ts` (script calls, timeouts), `context.ts`.
 */
import type {
  AccountCommand,
  AccountReads,
  AccountSnapshot,
  BatchOutcome,
  CoinEvent,
  Entry,
  ExecuteOutcome,
  ExpiringAccount,
  ExpiringPage,
  FeedPage,
  GroupOutcome,
  LiabilityFigures,
  RequestRecord,
  Store,
} from "@coinage/core";
import { readAccount } from "./account.js";
import { type RedisScriptClient, ScriptRunner } from "./client.js";
import { Context } from "./context.js";
import { erase } from "./erase.js";
import * as events from "./events.js";
import { execute } from "./execute.js";
import { executeMany } from "./execute-many.js";
import { listExpiring } from "./expiring.js";
import { findExpiring } from "./expiry.js";
import { FEED_GRACE_MS, readFeed } from "./feed.js";
import { isValidPrefix } from "./keys.js";
import { readLiability } from "./liability.js";
import { budgetUsed, findRequest, history } from "./reads.js";
import { executeTogether } from "./together.js";

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` client (or anything with the same script commands). */
  readonly client: RedisScriptClient;
  /** First part of every key; must not contain `{` or `}`. `"coinage"` by default. */
  readonly prefix?: string;
  /** Longest wait for one Redis call before `STORE_UNAVAILABLE`; 10 000 ms by default. */
  readonly timeoutMs?: number;
  /** Longest time one `execute` keeps retrying a busy account; 15 000 ms by default. */
  readonly contentionTimeoutMs?: number;
  /**
   * Whether one script may take keys of several slots. `true` (the default
   * for a client without `nodes`, a single server): a command claims its
   * request id and reads its account in one call, and a batch sends a few
   * large calls. Set `false` behind a proxy that routes each call by its
   * keys; a Cluster client is always `false`.
   */
  readonly crossSlotScripts?: boolean;
  /**
   * How long a command's feed publication may stay pending (the command
   * committed, its entries not published yet: a crashed process) before
   * `readFeed` publishes them itself; 5 000 ms by default. Keep it above
   * the time a command takes.
   */
  readonly feedGraceMs?: number;
}

/**
 * A `Store` on Redis through ioredis. Each command commits with one Lua
 * script that checks the account version (and that its request is not
 * recorded yet) before its first write; see the package README for the key
 * layout and the persistence settings to choose.
 */
export function redisStore(options: RedisStoreOptions): Store {
  return new RedisStore(options);
}

class RedisStore implements Store {
  readonly name = "redis";
  readonly #ctx: Context;

  constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? "coinage";
    if (!isValidPrefix(prefix)) {
      throw new TypeError(
        `redisStore: prefix must be non-empty and free of "{" and "}", got ${JSON.stringify(prefix)}`,
      );
    }
    const scripts = new ScriptRunner(options.client, options.timeoutMs ?? 10_000);
    this.#ctx = new Context(
      scripts,
      prefix,
      options.contentionTimeoutMs ?? 15_000,
      !scripts.cluster && (options.crossSlotScripts ?? true),
      options.feedGraceMs ?? FEED_GRACE_MS,
    );
  }

  insertEvent(programId: string, event: CoinEvent): Promise<boolean> {
    return events.insertEvent(this.#ctx, programId, event);
  }

  replaceEvent(programId: string, event: CoinEvent, expectedVersion: number): Promise<boolean> {
    return events.replaceEvent(this.#ctx, programId, event, expectedVersion);
  }

  getEvent(programId: string, eventId: string): Promise<CoinEvent | null> {
    return events.getEvent(this.#ctx, programId, eventId);
  }

  listEvents(
    programId: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<CoinEvent[]> {
    return events.listEvents(this.#ctx, programId, page);
  }

  findRequest(programId: string, requestId: string): Promise<RequestRecord | null> {
    return findRequest(this.#ctx, this.#ctx.keys(programId), requestId);
  }

  async loadAccount(
    programId: string,
    userId: string,
    reads: AccountReads,
  ): Promise<AccountSnapshot> {
    const keys = this.#ctx.keys(programId);
    const read = await readAccount(
      this.#ctx,
      keys,
      userId,
      keys.account(userId),
      reads,
      null,
      null,
      "",
      "loadAccount",
    );
    if (read.kind !== "state") throw new Error("unreachable: no request id was asked for");
    return read.snapshot;
  }

  execute<T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>> {
    return execute(this.#ctx, command);
  }

  executeMany<T>(commands: readonly AccountCommand<T>[]): Promise<BatchOutcome<T>[]> {
    return executeMany(this.#ctx, commands);
  }

  /** All or nothing on a single server; on a Cluster, completed by a retry (see `together.ts`). */
  executeTogether<T>(commands: readonly AccountCommand<T>[]): Promise<GroupOutcome<T>> {
    return executeTogether(this.#ctx, commands);
  }

  history(
    programId: string,
    userId: string,
    page: { readonly limit: number; readonly beforeSeq?: number },
  ): Promise<Entry[]> {
    return history(this.#ctx, this.#ctx.keys(programId).account(userId), page);
  }

  findExpiring(
    programId: string,
    before: number,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<string[]> {
    return findExpiring(this.#ctx, this.#ctx.keys(programId), before, page);
  }

  listExpiring(programId: string, page: ExpiringPage): Promise<ExpiringAccount[]> {
    return listExpiring(this.#ctx, this.#ctx.keys(programId), page);
  }

  readFeed(
    programId: string,
    page: { readonly after?: string; readonly limit: number },
  ): Promise<FeedPage> {
    return readFeed(this.#ctx, this.#ctx.keys(programId), page);
  }

  readLiability(programId: string, at: number): Promise<LiabilityFigures> {
    return readLiability(this.#ctx, this.#ctx.keys(programId), at);
  }

  /** The forfeit, then the account moved to `pseudonym`, rolling forward (see `erase.ts`). */
  erase<T>(command: AccountCommand<T>, pseudonym: string): Promise<T> {
    return erase(this.#ctx, command, pseudonym);
  }

  getBudgetUsed(programId: string, eventId: string): Promise<string> {
    return budgetUsed(this.#ctx, this.#ctx.keys(programId), eventId, "getBudgetUsed");
  }
}
