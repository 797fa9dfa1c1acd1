import { randomUUID } from "node:crypto";
import { CoinageError, createCoinage } from "@coinage/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { checkProgram } from "./invariants.js";
import { type DurableServer, startDurableServer } from "./servers.js";
import { newPrefix, skipReason } from "./support.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries a write with the same request id until it is acknowledged. */
async function untilAcknowledged<T>(
  write: () => Promise<T>,
  failures: { count: number },
): Promise<T> {
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (!CoinageError.is(error, "STORE_UNAVAILABLE")) throw error;
      failures.count += 1;
      await sleep(20 + Math.random() * 80);
    }
  }
}

describe.skipIf(skipReason !== undefined)(
  "redis store across a server crash (kill -9, appendfsync always)",
  () => {
    let server: DurableServer;
    let client: Redis;

    beforeAll(async () => {
      server = await startDurableServer();
      client = new Redis(server.url, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 1_000,
        retryStrategy: () => 50,
      });
      client.on("error", () => undefined);
    });
    afterAll(async () => {
      client?.disconnect();
      await server?.stop();
    });

    it("kill and restart mid-run - should keep every acknowledged command exactly once", async () => {
      const prefix = newPrefix("faults");
      const programId = `crash-${randomUUID()}`;
      const store = redisStore({ client, prefix, timeoutMs: 2_000 });
      const coins = createCoinage({ store, program: { id: programId, coinValue: "1" } });
      const failures = { count: 0 };
      await untilAcknowledged(
        () =>
          coins.events.create({ id: "EARN", name: "earn", reward: { kind: "fixed", coins: "10" } }),
        failures,
      );

      const acknowledged: { requestId: string; userId: string; kind: "earn" | "redeem" }[] = [];
      let running = true;
      const writers = Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; running || i < 5; i += 1) {
          const userId = `user-${w % 3}`;
          const earn = `w${w}-a${i}`;
          await untilAcknowledged(
            () => coins.allocate({ userId, event: "EARN", requestId: earn }),
            failures,
          );
          acknowledged.push({ requestId: earn, userId, kind: "earn" });
          const spend = `w${w}-r${i}`;
          await untilAcknowledged(
            () => coins.redeem({ userId, coins: "4", requestId: spend }),
            failures,
          );
          acknowledged.push({ requestId: spend, userId, kind: "redeem" });
        }
      });

      for (let crash = 0; crash < 3; crash += 1) {
        await sleep(300);
        await server.kill();
        await sleep(200);
        await server.start();
      }
      await sleep(300);
      running = false;
      await Promise.all(writers);
      expect(failures.count).toBeGreaterThan(0);

      const facts = await checkProgram(client, prefix, programId);
      const booked = [...facts.entries.values()].flat().filter((e) => e.requestId !== null);
      for (const ack of acknowledged) {
        const matches = booked.filter((e) => e.requestId === ack.requestId && e.type === ack.kind);
        expect(matches, `${ack.kind} ${ack.requestId}`).toHaveLength(1);
        expect(facts.requests.get(ack.requestId)?.userId).toBe(ack.userId);
      }
      // Nothing booked that was never acknowledged: every writer retried until acknowledged.
      expect(booked).toHaveLength(acknowledged.length);
      for (const userId of facts.users) {
        const mine = acknowledged.filter((a) => a.userId === userId);
        const expected = mine.reduce((sum, a) => sum + (a.kind === "earn" ? 10 : -4), 0);
        expect((await coins.balance(userId)).available, userId).toBe(String(expected));
      }
      // A retry of an acknowledged request after the crashes replays it: same answer, nothing booked.
      const first = acknowledged.find((a) => a.kind === "earn");
      if (first === undefined) throw new Error("no allocation was acknowledged");
      const balanceBefore = (await coins.balance(first.userId)).available;
      const replay = await coins.allocate({
        userId: first.userId,
        event: "EARN",
        requestId: first.requestId,
      });
      expect(replay).toMatchObject({
        requestId: first.requestId,
        userId: first.userId,
        coins: "10",
      });
      expect((await coins.balance(first.userId)).available).toBe(balanceBefore);
      const afterReplay = await checkProgram(client, prefix, programId);
      expect(
        [...afterReplay.entries.values()].flat().filter((e) => e.requestId !== null),
      ).toHaveLength(acknowledged.length);
    });
  },
);
