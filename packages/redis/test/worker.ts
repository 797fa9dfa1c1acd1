/**
 * One writer process for the multi-process test: allocations and
 * redemptions on shared accounts, some request ids shared with the other
 * process. Prints a JSON summary on stdout.
 */
import { CoinageError, createCoinage } from "@coinage/core";
import { Redis } from "ioredis";
import { redisStore } from "../src/index.js";

const { url, prefix, programId, worker, rounds } = JSON.parse(
  process.env.COINAGE_WORKER ?? "{}",
) as {
  url: string;
  prefix: string;
  programId: string;
  worker: number;
  rounds: number;
};

const client = new Redis(url, { maxRetriesPerRequest: 1 });
const coins = createCoinage({
  store: redisStore({ client, prefix }),
  program: { id: programId, coinValue: "1" },
});
const summary = { allocated: 0, redeemed: 0, insufficient: 0, capped: 0 };

await Promise.all(
  Array.from({ length: 8 }, async (_, lane) => {
    for (let i = lane; i < rounds; i += 8) {
      const userId = `user-${i % 5}`;
      await coins.allocate({ userId, event: "EARN", requestId: `w${worker}-a${i}` });
      await coins.allocate({ userId, event: "EARN", requestId: `shared-a${i}` });
      summary.allocated += 1;
      const capped = await coins.allocate({
        userId,
        event: "CAPPED",
        requestId: `w${worker}-c${i}`,
      });
      if (capped.coins !== "0") summary.capped += 1;
      try {
        await coins.redeem({ userId, coins: "7", requestId: `w${worker}-r${i}` });
        summary.redeemed += 1;
      } catch (error) {
        if (!CoinageError.is(error, "INSUFFICIENT_COINS")) throw error;
        summary.insufficient += 1;
      }
    }
  }),
);
client.disconnect();
process.stdout.write(`${JSON.stringify(summary)}\n`);
