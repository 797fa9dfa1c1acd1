import { CoinageError } from "@coinage/core";
import { type Cluster, Redis } from "ioredis";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type RedisScriptClient, redisStore, type UpgradeClient } from "../src/index.js";

describe("client surface", () => {
  it("RedisScriptClient - is satisfied by ioredis Redis and Cluster", () => {
    expectTypeOf<Redis>().toMatchTypeOf<RedisScriptClient>();
    expectTypeOf<Cluster>().toMatchTypeOf<RedisScriptClient>();
    expectTypeOf<Redis>().toMatchTypeOf<UpgradeClient>();
    expectTypeOf<Cluster>().toMatchTypeOf<UpgradeClient>();
    // @ts-expect-error a client without scripts is not enough
    redisStore({ client: { get: async () => null } });
  });

  it("redisStore - should reject a prefix that would change the hash tag", () => {
    const client = {} as RedisScriptClient;
    expect(() => redisStore({ client, prefix: "app{1}" })).toThrow(/prefix/);
    expect(() => redisStore({ client, prefix: "" })).toThrow(/prefix/);
  });
});

describe("failures", () => {
  it("an unreachable server - should fail with STORE_UNAVAILABLE naming the operation", async () => {
    const client = new Redis({
      host: "127.0.0.1",
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => undefined);
    const store = redisStore({ client });
    const error = await store.getBudgetUsed("p", "e").catch((e: unknown) => e);
    expect(CoinageError.is(error, "STORE_UNAVAILABLE")).toBe(true);
    expect((error as CoinageError<"STORE_UNAVAILABLE">).details).toEqual({
      operation: "getBudgetUsed",
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
    client.disconnect();
  });

  it("a server that never answers - should fail with STORE_UNAVAILABLE after timeoutMs", async () => {
    const silent: RedisScriptClient = {
      evalsha: () => new Promise(() => undefined),
      eval: () => new Promise(() => undefined),
      script: () => new Promise(() => undefined),
    };
    const store = redisStore({ client: silent, timeoutMs: 50 });
    const started = Date.now();
    const error = await store.findRequest("p", "r").catch((e: unknown) => e);
    expect(CoinageError.is(error, "STORE_UNAVAILABLE")).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("NOSCRIPT - should load the script and call it again", async () => {
    const loaded = new Set<string>();
    const calls: string[] = [];
    const client: RedisScriptClient = {
      async evalsha(sha) {
        calls.push("evalsha");
        if (!loaded.has(sha)) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
        return "7";
      },
      async eval() {
        throw new Error("not expected");
      },
      async script(_, source) {
        calls.push("load");
        const { createHash } = await import("node:crypto");
        loaded.add(createHash("sha1").update(source).digest("hex"));
        return "ok";
      },
    };
    expect(await redisStore({ client }).getBudgetUsed("p", "e")).toBe("7");
    expect(calls).toEqual(["evalsha", "load", "evalsha"]);
  });
});
