// Compiled by scripts/check-consumer.mjs against the packed packages, as a
// project that installed them from the registry would: every public entry
// point, under `module` nodenext, node16 and bundler, with skipLibCheck off.
import {
  type AnyCoinageError,
  type CoinEvent,
  createCoinage,
  isCoinageError,
  parseEvent,
  parseProgram,
  previewReward,
  type Store,
} from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { migrate, postgresStore } from "@coinage/postgres";
import { fromDrizzle } from "@coinage/postgres/drizzle";
import { fromKysely } from "@coinage/postgres/kysely";
import { fromPostgresJs } from "@coinage/postgres/postgres-js";
import { fromPrisma } from "@coinage/postgres/prisma";
import { redisStore } from "@coinage/redis";

const store: Store = memoryStore();
const coins = createCoinage({ store, program: { id: "shop", coinValue: "0.25" } });

export async function earn(): Promise<string> {
  const event: CoinEvent = await coins.events.get("purchase");
  const preview = previewReward(
    parseEvent({ ...event }),
    { amount: "12.50" },
    parseProgram({ id: "shop", coinValue: "0.25" }),
    new Date(),
  );
  try {
    const result = await coins.allocate({
      userId: "u1",
      event: "purchase",
      amount: "12.50",
      requestId: "order-1",
    });
    return result.coins;
  } catch (error) {
    if (!isCoinageError(error)) throw error;
    const narrowed: AnyCoinageError = error;
    if (narrowed.code === "INSUFFICIENT_COINS") return narrowed.details.available;
    return preview.coins;
  }
}

export const entryPoints = [
  migrate,
  postgresStore,
  redisStore,
  fromDrizzle,
  fromKysely,
  fromPostgresJs,
  fromPrisma,
];
