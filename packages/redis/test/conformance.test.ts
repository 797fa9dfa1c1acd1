import { describeStore } from "@coinage/store-tests";
import type { Cluster } from "ioredis";
import { afterAll } from "vitest";
import { redisStore } from "../src/index.js";
import { describeLowLevel } from "./low-level.js";
import { type LocalCluster, startCluster } from "./servers.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

if (skipReason !== undefined) console.warn(`@coinage/redis tests skipped: ${skipReason}`);

// Against the local server.
{
  const prefix = newPrefix("conf");
  const client = skipReason === undefined ? connect() : undefined;
  describeStore("redis", {
    create: () => {
      if (client === undefined) throw new Error("no Redis");
      return redisStore({ client, prefix });
    },
    close: async () => {
      if (client === undefined) return;
      await dropPrefix(client, prefix);
      client.disconnect();
    },
    skipReason,
  });
}

// Against a 3-master Redis Cluster this file starts on loopback ports, once,
// and stops after every suite of the file has run.
{
  let cluster: LocalCluster | undefined;
  let starting: Promise<Cluster> | undefined;
  const acquire = (): Promise<Cluster> => {
    starting ??= (async () => {
      cluster = await startCluster();
      return cluster.connect();
    })();
    return starting;
  };
  afterAll(async () => {
    if (starting !== undefined) (await starting.catch(() => undefined))?.disconnect();
    await cluster?.stop();
  });

  describeStore("redis cluster", {
    create: async () => redisStore({ client: await acquire(), prefix: newPrefix("cluster") }),
    skipReason,
  });
  describeLowLevel(
    "redis cluster",
    () => {
      const prefix = newPrefix("cluster-low");
      return {
        create: async () => redisStore({ client: await acquire(), prefix }),
        close: async () => dropPrefix(await acquire(), prefix),
      };
    },
    skipReason,
  );
}
