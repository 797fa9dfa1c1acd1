/**
 * The Redis backend: one ioredis connection to a single server (not a
 * Cluster), `@coinage/redis`'s store and upgrade, and the scans of
 * `report`, `doctor --scan` and program discovery.
 */
import { addDecimalStrings, type Coinage, createCoinage, isZeroDecimalString } from "@coinage/core";
import { redisStore, upgradeRedisStore } from "@coinage/redis";
import { Redis } from "ioredis";
import { CommandFailure } from "../io.js";
import { redact } from "../target.js";
import {
  type Backend,
  byId,
  type Check,
  type MigrateReport,
  messageOf,
  type Outstanding,
  storeCheck,
} from "./backend.js";
import { escapeGlob, legacyClaimTarget, parseAccountKey, versionAtLeast } from "./redis-layout.js";

/** Balances read at once by `report`. */
const PARALLEL = 32;
const SCAN_COUNT = 1000;
/** `ZADD … LT`, which the store's expiry index uses, came with Redis 6.2. */
const MINIMUM_VERSION = [6, 2, 0] as const;

export function openRedis(target: { readonly url: string; readonly prefix: string }): Backend {
  const { url, prefix } = target;
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    // Reconnect a few times within a command's life, then give up: a CLI
    // should fail and say so, not wait forever.
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  // ioredis reports connection failures as events too; unhandled, they crash the process.
  client.on("error", () => {});
  const store = redisStore({ client, prefix });

  async function connect(): Promise<void> {
    try {
      if (client.status === "wait") await client.connect();
      await client.ping();
    } catch (error) {
      throw new CommandFailure(
        "STORE_UNAVAILABLE",
        `cannot reach Redis at ${redact(url)}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }

  /** Every key matching `pattern`, page by page (a key may come twice: SCAN's rule). */
  async function* scan(pattern: string): AsyncGenerator<string[]> {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }

  const heads = `${escapeGlob(prefix)}:{*}:head`;

  return {
    kind: "redis",
    store,
    connect,

    async migrate(): Promise<MigrateReport> {
      const report = await upgradeRedisStore({ client, prefix });
      return { kind: "redis", ...report };
    },

    async doctor({ scan: deep }) {
      const checks: Check[] = [];
      let info: Map<string, string>;
      try {
        await connect();
        info = parseInfo(await client.info("server"));
      } catch (error) {
        checks.push({ name: "reachable", status: "fail", detail: messageOf(error) });
        return checks;
      }
      const version = info.get("redis_version") ?? "unknown";
      const mode = info.get("redis_mode") ?? "standalone";
      checks.push({ name: "reachable", status: "ok", detail: `Redis ${version} (${mode})` });
      checks.push(
        versionAtLeast(version, MINIMUM_VERSION)
          ? { name: "version", status: "ok", detail: `${version} (6.2 or later needed)` }
          : {
              name: "version",
              status: "fail",
              detail: `${version}: the store needs Redis 6.2 or later (ZADD LT)`,
            },
      );
      if (mode === "cluster") {
        checks.push({
          name: "mode",
          status: "fail",
          detail:
            "a Redis Cluster node: this CLI talks to a single server; run the store's operations on a Cluster from code (redisStore with an ioredis Cluster)",
        });
      }
      checks.push(...(await settingsChecks(client)));
      checks.push(await storeCheck(checks, store));
      checks.push(
        deep
          ? await layoutCheck(client, prefix, scan)
          : {
              name: "layout",
              status: "skip",
              detail:
                "pass --scan to look for data of version 0.1 (SCANs every key of the database)",
            },
      );
      return checks;
    },

    async programs() {
      const found = new Set<string>();
      for await (const keys of scan(heads)) {
        for (const key of keys) {
          const account = parseAccountKey(key, prefix);
          if (account?.part === "head") found.add(account.program);
        }
      }
      return [...found].sort(byId);
    },

    async outstanding(programs, at) {
      const wanted = programs === undefined ? undefined : new Set(programs);
      const totals = new Map<string, Outstanding>();
      for (const program of programs ?? []) totals.set(program, empty(program));
      // Balances come from the engine (`balance` at `at`), so they are
      // exactly what the library answers. Coin scale 8 keeps every scale
      // exact; the sums are written without trailing zeros.
      const engines = new Map<string, Coinage>();
      const engine = (program: string) => {
        let coins = engines.get(program);
        if (coins === undefined) {
          coins = createCoinage({ store, program: { id: program, coinValue: "1", coinScale: 8 } });
          engines.set(program, coins);
        }
        return coins;
      };
      const seen = new Set<string>();
      const when = new Date(at);
      for await (const keys of scan(heads)) {
        const accounts = [];
        for (const key of keys) {
          if (seen.has(key)) continue;
          seen.add(key);
          const account = parseAccountKey(key, prefix);
          if (account?.part !== "head") continue;
          if (wanted !== undefined && !wanted.has(account.program)) continue;
          accounts.push(account);
        }
        for (let i = 0; i < accounts.length; i += PARALLEL) {
          const balances = await Promise.all(
            accounts.slice(i, i + PARALLEL).map(async (account) => ({
              program: account.program,
              balance: await engine(account.program).balance(account.user, { at: when }),
            })),
          );
          for (const { program, balance } of balances) {
            const sum = totals.get(program) ?? empty(program);
            const holds =
              !isZeroDecimalString(balance.available) || !isZeroDecimalString(balance.pending);
            totals.set(program, {
              program,
              accounts: sum.accounts + 1,
              holders: sum.holders + (holds ? 1 : 0),
              available: addDecimalStrings(sum.available, balance.available),
              pending: addDecimalStrings(sum.pending, balance.pending),
              debt: addDecimalStrings(sum.debt, balance.debt),
            });
          }
        }
      }
      return [...totals.values()].sort((a, b) => byId(a.program, b.program));
    },

    async close() {
      if (client.status === "wait" || client.status === "end") client.disconnect();
      else await client.quit().catch(() => client.disconnect());
    },
  };
}

function empty(program: string): Outstanding {
  return { program, accounts: 0, holders: 0, available: "0", pending: "0", debt: "0" };
}

function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

/** Persistence and eviction, as the store's README asks them to be set. */
async function settingsChecks(client: Redis): Promise<Check[]> {
  const config = async (name: string): Promise<string | undefined> => {
    const reply = (await client.config("GET", name)) as unknown;
    return Array.isArray(reply) && typeof reply[1] === "string" ? reply[1] : undefined;
  };
  let appendonly: string | undefined;
  let appendfsync: string | undefined;
  let policy: string | undefined;
  let maxmemory: string | undefined;
  try {
    [appendonly, appendfsync, policy, maxmemory] = await Promise.all([
      config("appendonly"),
      config("appendfsync"),
      config("maxmemory-policy"),
      config("maxmemory"),
    ]);
  } catch (error) {
    // Managed services often rename or refuse CONFIG.
    const detail = `cannot read the server's settings (CONFIG GET: ${messageOf(error)}); check them by hand`;
    return [
      { name: "persistence", status: "warn", detail },
      { name: "eviction", status: "warn", detail },
    ];
  }

  let persistence: Check;
  if (appendonly !== "yes")
    persistence = {
      name: "persistence",
      status: "warn",
      detail: `appendonly ${appendonly ?? "unknown"}: a crash loses every write since the last snapshot; set appendonly yes for anything but tests`,
    };
  else if (appendfsync === "always")
    persistence = {
      name: "persistence",
      status: "ok",
      detail: "appendonly yes, appendfsync always",
    };
  else
    persistence = {
      name: "persistence",
      status: "warn",
      detail: `appendonly yes, appendfsync ${appendfsync ?? "unknown"}: ${appendfsync === "everysec" ? "up to a second of acknowledged writes can be lost on a power cut" : "the OS decides when writes reach the disk"}; appendfsync always loses none`,
    };

  let eviction: Check;
  if (policy === "noeviction")
    eviction = { name: "eviction", status: "ok", detail: "maxmemory-policy noeviction" };
  else if (maxmemory !== undefined && maxmemory !== "0")
    eviction = {
      name: "eviction",
      status: "fail",
      detail: `maxmemory-policy ${policy ?? "unknown"} with maxmemory ${maxmemory}: Redis deletes ledger keys when memory is full; set noeviction`,
    };
  else
    eviction = {
      name: "eviction",
      status: "warn",
      detail: `maxmemory-policy ${policy ?? "unknown"}: evicts ledger keys once a maxmemory is set; set noeviction`,
    };
  return [persistence, eviction];
}

/** Data of version 0.1 under the prefix: claims not copied yet, accounts not migrated yet. */
async function layoutCheck(
  client: Redis,
  prefix: string,
  scan: (pattern: string) => AsyncGenerator<string[]>,
): Promise<Check> {
  const seen = new Set<string>();
  let accounts = 0;
  let legacyAccounts = 0;
  let claims = 0;
  let uncopied = 0;
  const programs = new Set<string>();
  try {
    for await (const keys of scan(`${escapeGlob(prefix)}:*`)) {
      for (const key of keys) {
        if (seen.has(key)) continue;
        seen.add(key);
        const account = parseAccountKey(key, prefix);
        if (account !== undefined) {
          if (account.part === "head") {
            accounts += 1;
            programs.add(account.program);
          } else legacyAccounts += 1;
          continue;
        }
        const target = legacyClaimTarget(key, prefix);
        if (target === undefined) continue;
        claims += 1;
        if ((await client.exists(target)) === 0) uncopied += 1;
      }
    }
  } catch (error) {
    return { name: "layout", status: "fail", detail: `scan failed: ${messageOf(error)}` };
  }
  const parts = [`${accounts} accounts in ${programs.size} programs`];
  if (legacyAccounts > 0)
    parts.push(`${legacyAccounts} accounts of version 0.1 (they migrate on their first read)`);
  if (claims > 0) parts.push(`${claims} request-id claims of version 0.1, ${uncopied} not copied`);
  if (uncopied > 0)
    return {
      name: "layout",
      status: "warn",
      detail: `${parts.join("; ")}: run coinage migrate (needed before a Cluster or crossSlotScripts: false serves commands)`,
    };
  return { name: "layout", status: "ok", detail: parts.join("; ") };
}
