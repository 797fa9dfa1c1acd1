import { randomUUID } from "node:crypto";
import { Cluster, Redis, type RedisOptions } from "ioredis";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const required = process.env.CI === "true";

/** Options every test client uses: fail fast instead of queueing forever. */
export const clientOptions: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  commandTimeout: 5_000,
};

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export const redisUp = required || (await reachable(REDIS_URL));

/** Set when the tests skip; `conformance.test.ts` prints it, once per run. */
export const skipReason = redisUp
  ? undefined
  : `no Redis at ${REDIS_URL} (set REDIS_URL, or CI=true to require it)`;

export function newPrefix(tag = "t"): string {
  return `coinage-test-${tag}-${randomUUID().slice(0, 8)}`;
}

export function connect(url = REDIS_URL): Redis {
  const client = new Redis(url, clientOptions);
  client.on("error", () => undefined);
  return client;
}

/** Deletes every key under `prefix` (SCAN + DEL, on every master of a Cluster). */
export async function dropPrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      for (const key of keys) await node.del(key);
    } while (cursor !== "0");
  }
}

/** Every key under `prefix` (for assertions). */
export async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      out.push(...keys);
    } while (cursor !== "0");
  }
  return out.sort();
}
