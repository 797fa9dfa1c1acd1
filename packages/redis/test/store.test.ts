import { afterAll } from "vitest";
import { redisStore } from "../src/index.js";
import { describeLowLevel } from "./low-level.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

const client = skipReason === undefined ? connect() : undefined;
const prefixes: string[] = [];

afterAll(async () => {
  if (client === undefined) return;
  for (const prefix of prefixes) await dropPrefix(client, prefix);
  client.disconnect();
});

describeLowLevel(
  "redis",
  () => ({
    async create() {
      const prefix = newPrefix("low");
      prefixes.push(prefix);
      if (client === undefined) throw new Error("no Redis");
      return redisStore({ client, prefix });
    },
  }),
  skipReason,
);
