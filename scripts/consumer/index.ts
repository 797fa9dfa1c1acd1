// Compiled by scripts/check-consumer.mjs against the packed packages, as a
// project that installed them from the registry would: every public entry
// point, under `module` nodenext, node16 and bundler, with skipLibCheck off.
import {
  type AnyCoinageError,
  type CoinEvent,
  createCoinage,
  type EventInput,
  type EventPatch,
  isCoinageError,
  parseEvent,
  parseProgram,
  previewReward,
  type Store,
} from "@coinage/core";
import { coinEventSchema, eventInputSchema, type JsonSchema } from "@coinage/core/json-schema";
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

// Event definitions are typed: a mistake fails to compile. Each
// `@ts-expect-error` below must meet an error, or this file fails to compile.
const reward = { kind: "percentage", percent: "2" } as const;

export const definitions: readonly EventInput[] = [
  { id: "purchase", reward, expiry: { endOf: "year" } },
  { id: "welcome", reward: { kind: "fixed", coins: 100 }, expiry: { days: 90 } },
  {
    id: "tiered",
    reward: {
      kind: "tiered",
      tiers: [
        { from: "0", percent: "5" },
        { from: 10_000, coins: 50 },
      ],
    },
    caps: { perUser: [{ coins: "1000", period: "month" }] },
    activation: "immediately",
  },
];

export async function mistakes(): Promise<void> {
  await coins.events.create({
    id: "a",
    reward,
    // @ts-expect-error: the unit is `days`
    expiry: { day: 90 },
  });
  await coins.events.create({
    id: "b",
    // @ts-expect-error: no such reward kind
    reward: { kind: "bonus", coins: "5" },
  });
  await coins.events.create({
    id: "c",
    reward,
    // @ts-expect-error: a number of days, not a string
    expiry: { days: "90" },
  });
  await coins.events.create({
    id: "d",
    reward: {
      kind: "tiered",
      // @ts-expect-error: a tier pays a percent or coins, not both
      tiers: [{ from: "0", percent: "5", coins: "1" }],
    },
  });
  // @ts-expect-error: `id` cannot be patched
  const patch: EventPatch = { id: "other" };
  await coins.events.update("purchase", patch);
  // `null` removes an optional field; a required one cannot be removed.
  await coins.events.update("purchase", { caps: null });
  // @ts-expect-error: `reward` is required
  await coins.events.update("purchase", { reward: null });
  // @ts-expect-error: `coinScale` is a number
  createCoinage({ store, program: { id: "shop", coinValue: "0.25", coinScale: "2" } });
}

/** The JSON Schema of the same definitions. */
export const schemas: readonly JsonSchema[] = [eventInputSchema(), coinEventSchema()];
