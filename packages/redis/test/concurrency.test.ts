import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { CoinageError, createCoinage } from "@coinage/core";
import { afterAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { checkProgram } from "./invariants.js";
import { connect, dropPrefix, newPrefix, REDIS_URL, skipReason } from "./support.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const worker = fileURLToPath(new URL("./worker.ts", import.meta.url));

function runWorker(
  env: Record<string, unknown>,
): Promise<{ allocated: number; redeemed: number; capped: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", worker], {
      cwd: root,
      env: { ...process.env, COINAGE_WORKER: JSON.stringify(env) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      err += String(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}"));
      else reject(new Error(`worker exited with ${code}: ${err}`));
    });
  });
}

describe.skipIf(skipReason !== undefined)("redis store under concurrency", () => {
  const prefix = newPrefix("conc");
  const client = skipReason === undefined ? connect() : undefined;
  const store = () => {
    if (client === undefined) throw new Error("no Redis");
    return redisStore({ client, prefix });
  };
  const setup = async (programId: string) => {
    const coins = createCoinage({ store: store(), program: { id: programId, coinValue: "0.5" } });
    await coins.events.create({
      id: "EARN",
      name: "earn",
      reward: { kind: "fixed", coins: "10" },
      expiry: { days: 30 },
    });
    await coins.events.create({
      id: "CAPPED",
      name: "capped",
      reward: { kind: "fixed", coins: "5" },
      caps: { budget: "500" },
    });
    return coins;
  };

  afterAll(async () => {
    if (client === undefined) return;
    await dropPrefix(client, prefix);
    client.disconnect();
  });

  it("32 callers on one hot account - should serialise every command and book each request once", async () => {
    const programId = `hot-${randomUUID()}`;
    const coins = await setup(programId);
    let redeemed = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, caller) => {
        for (let i = 0; i < 6; i += 1) {
          await coins.allocate({ userId: "hot", event: "EARN", requestId: `c${caller}-a${i}` });
          // A retry of the same request: replayed, not booked again.
          await coins.allocate({ userId: "hot", event: "EARN", requestId: `c${caller}-a${i}` });
          try {
            await coins.redeem({ userId: "hot", coins: "15", requestId: `c${caller}-r${i}` });
            redeemed += 1;
          } catch (error) {
            if (!CoinageError.is(error, "INSUFFICIENT_COINS")) throw error;
          }
        }
      }),
    );
    if (client === undefined) throw new Error("no Redis");
    const facts = await checkProgram(client, prefix, programId);
    const entries = facts.entries.get("hot") ?? [];
    expect(entries.filter((e) => e.type === "earn")).toHaveLength(32 * 6);
    expect(entries.filter((e) => e.type === "redeem")).toHaveLength(redeemed);
    expect((await coins.balance("hot")).available).toBe(String(32 * 6 * 10 - redeemed * 15));
  });

  it("32 callers on many accounts - should keep every account and the event budget exact", async () => {
    const programId = `many-${randomUUID()}`;
    const coins = await setup(programId);
    let capped = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, caller) => {
        for (let i = 0; i < 8; i += 1) {
          const userId = `u${(caller * 7 + i) % 12}`;
          await coins.allocate({ userId, event: "EARN", requestId: `c${caller}-a${i}` });
          const result = await coins.allocate({
            userId,
            event: "CAPPED",
            requestId: `c${caller}-b${i}`,
          });
          capped += Number(result.coins);
          await coins
            .redeem({ userId, coins: "3", requestId: `c${caller}-r${i}` })
            .catch((error: unknown) => {
              if (!CoinageError.is(error, "INSUFFICIENT_COINS")) throw error;
            });
        }
      }),
    );
    if (client === undefined) throw new Error("no Redis");
    const facts = await checkProgram(client, prefix, programId);
    expect(facts.users).toHaveLength(12);
    // 32 × 8 × 5 = 1280 coins asked of a 500-coin budget: exactly 500 handed out.
    expect(capped).toBe(500);
    expect(await facts.budget("CAPPED")).toBe("500");
    const cappedLots = [...facts.lots.values()].flat().filter((lot) => lot.eventId === "CAPPED");
    expect(cappedLots.reduce((sum, lot) => sum + Number(lot.coins), 0)).toBe(500);
  });

  it("2 Node processes at once - should book shared request ids once and keep the books straight", async () => {
    const programId = `procs-${randomUUID()}`;
    await setup(programId);
    const rounds = 40;
    const env = { url: REDIS_URL, prefix, programId, rounds };
    const [a, b] = await Promise.all([
      runWorker({ ...env, worker: 1 }),
      runWorker({ ...env, worker: 2 }),
    ]);
    if (client === undefined) throw new Error("no Redis");
    const facts = await checkProgram(client, prefix, programId);
    const earns = [...facts.entries.values()].flat().filter((e) => e.type === "earn");
    // Per process: `rounds` own allocations; the `rounds` shared ones once in total; capped ones as counted.
    const earnEvent = earns.filter((e) => e.eventId === "EARN");
    expect(earnEvent).toHaveLength(2 * rounds + rounds);
    for (let i = 0; i < rounds; i += 1) {
      expect(
        earnEvent.filter((e) => e.requestId === `shared-a${i}`),
        `shared-a${i}`,
      ).toHaveLength(1);
    }
    const redeems = [...facts.entries.values()].flat().filter((e) => e.type === "redeem");
    expect(redeems).toHaveLength(a.redeemed + b.redeemed);
    expect(earns.filter((e) => e.eventId === "CAPPED")).toHaveLength(a.capped + b.capped);
  });
});
