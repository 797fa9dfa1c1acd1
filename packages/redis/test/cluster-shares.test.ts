/**
 * A program spreads over a Redis Cluster: one program with uniform users,
 * and each master's share of the commands the store sends is measured from
 * the masters' own counters (`INFO commandstats`). Accounts and request ids
 * have slots of their own; the program's slot holds only event reads (one
 * per allocation) and budget counters (none here), so redemptions spread
 * evenly and allocations lean toward the program's master by that one read
 * (measured: 0.31 / 0.30 / 0.39). The change feed adds a mark and a
 * publication per command in the user's feed stripe: 16 slots, which for
 * this program id fall 5 / 4 / 7 on the three masters, and the third master
 * also holds the program slot (measured with the feed: redemptions
 * 0.32 / 0.31 / 0.38, allocations 0.30 / 0.29 / 0.41). So allocations are
 * held to +25% at most, redemptions to ±20%. Slots follow the ids, not the
 * key prefix, so the shares are the same on every run.
 */
import { createCoinage } from "@coinage/core";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { type LocalCluster, startCluster } from "./servers.js";
import { newPrefix, skipReason } from "./support.js";

const USERS = 300;

async function commandsPerMaster(ports: readonly number[]): Promise<number[]> {
  return Promise.all(
    ports.map(async (port) => {
      const node = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
      await node.connect();
      try {
        const info = await node.info("commandstats");
        let calls = 0;
        for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
          const name = match[1] as string;
          // The measurement's own INFO calls, and the cluster's topology queries, are not the store's.
          if (name === "info" || name.startsWith("cluster") || name === "command") continue;
          calls += Number(match[2]);
        }
        return calls;
      } finally {
        node.disconnect();
      }
    }),
  );
}

describe.skipIf(skipReason !== undefined)("redis cluster - shares of one program", () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it("each master's share of one program's redemptions should be within ±20% of a third, of its allocations within -20% / +25%", async () => {
    const client = cluster.connect();
    try {
      const coins = createCoinage({
        store: redisStore({ client, prefix: newPrefix("shares") }),
        program: { id: "one-program", coinValue: "1" },
      });
      await coins.events.create({ id: "E", name: "E", reward: { kind: "fixed", coins: "100" } });
      const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);

      let before = await commandsPerMaster(cluster.ports);
      for (const userId of users)
        await coins.allocate({ userId, event: "E", requestId: `a-${userId}` });
      let after = await commandsPerMaster(cluster.ports);
      const allocations = after.map((n, i) => n - (before[i] as number));

      before = after;
      for (const userId of users)
        await coins.redeem({ userId, coins: "1", requestId: `r-${userId}` });
      after = await commandsPerMaster(cluster.ports);
      const redemptions = after.map((n, i) => n - (before[i] as number));

      const shares = (counts: number[]) => {
        const total = counts.reduce((a, b) => a + b, 0);
        return counts.map((n) => n / total);
      };
      console.log(
        `cluster shares per master: redeem ${shares(redemptions)
          .map((s) => s.toFixed(3))
          .join(" / ")}, allocate ${shares(allocations)
          .map((s) => s.toFixed(3))
          .join(" / ")} (${USERS} users, one program)`,
      );
      for (const share of shares(redemptions)) {
        expect(share).toBeGreaterThan((1 / 3) * 0.8);
        expect(share).toBeLessThan((1 / 3) * 1.2);
      }
      for (const share of shares(allocations)) {
        expect(share).toBeGreaterThan((1 / 3) * 0.8);
        expect(share).toBeLessThan((1 / 3) * 1.25);
      }
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
