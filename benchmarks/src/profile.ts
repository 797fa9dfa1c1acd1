/**
 * Where one command's time goes: runs `allocate` or `redeem` through the
 * engine on one store, one caller, for a few seconds under V8's sampling
 * profiler (`node:inspector`, so no flag is needed), and prints the shares
 * of the wall-clock time — idle (waiting on the server), garbage collection,
 * each package's own code, decimal.js, the drivers, Node's internals — the
 * inclusive share of the functions the notes talk about, the top functions
 * by self time, and the client CPU per command (process CPU time ÷ commands).
 *
 *   tsx src/profile.ts <memory|postgres|redis> <allocate|redeem> [seconds] [--out=file.cpuprofile]
 *
 * The `.cpuprofile` it writes opens in Chrome's DevTools or speedscope.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { parseArgs } from "node:util";
import { type Coinage, createCoinage, type Store } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { migrate, postgresStore } from "@coinage/postgres";
import { redisStore } from "@coinage/redis";
import { Redis } from "ioredis";
import { amounts, PROGRAM, STORE_EVENT } from "./fixtures.js";
import { nonLoopback } from "./harness.js";
import { Pool } from "./pg.js";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Functions whose inclusive share is reported (the decision and what wraps it). */
const INCLUSIVE = [
  "previewReward",
  "planRedemption",
  "decide",
  "execute",
  "commitOne",
  "fingerprint",
  "validateAllocation",
  "validateRedemption",
  "loadEvent",
  "freezeDeep",
  "structuredClone",
];

/** What a sample's own function belongs to, by name and script. */
export function categoryOf(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === "(idle)") return "idle (waiting on I/O)";
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(program)" || name === "(root)") return "V8 / native (program)";
  const inPackage = /packages\/([a-z-]+)\/(?:dist|src)\//.exec(url);
  if (inPackage) return `@coinage/${inPackage[1]}`;
  for (const lib of ["decimal.js", "ioredis", "pg-protocol", "pg", "date-fns", "@date-fns"]) {
    if (url.includes(`/node_modules/${lib}/`) || url.includes(`/.pnpm/${lib}@`)) return lib;
  }
  if (url.includes("/benchmarks/")) return "benchmark harness";
  if (url.startsWith("node:") || url === "") return "Node internals";
  return "other libraries";
}

export interface Summary {
  readonly totalMs: number;
  readonly categories: readonly (readonly [string, number])[];
  readonly inclusive: readonly (readonly [string, number])[];
  readonly top: readonly (readonly [string, number])[];
}

/** Shares (0–1) of the profile's sampled time. */
export function summarize(profile: Profile, topCount = 25): Summary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const frame = node.callFrame;
    const category = categoryOf(frame);
    categories.set(category, (categories.get(category) ?? 0) + time);
    const file = frame.url.split("/").slice(-1)[0] ?? "";
    const key = `${frame.functionName || "(anonymous)"} ${file ? `${file}:${frame.lineNumber + 1}` : ""}`;
    functions.set(key, (functions.get(key) ?? 0) + time);
    // Inclusive: once per named function on the sample's stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? "";
      if (INCLUSIVE.includes(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + time);
      }
    }
  }
  const shares = (map: Map<string, number>) =>
    [...map]
      .map(([key, time]) => [key, total === 0 ? 0 : time / total] as const)
      .sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total / 1000,
    categories: shares(categories),
    inclusive: shares(inclusive),
    top: shares(functions).slice(0, topCount),
  };
}

async function subjectFor(kind: string): Promise<{ store: Store; close: () => Promise<void> }> {
  const run = Date.now().toString(36);
  if (kind === "memory") return { store: memoryStore(), close: async () => {} };
  if (kind === "postgres") {
    const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
    const refused = nonLoopback(url, "DATABASE_URL");
    if (refused !== null) throw new Error(refused);
    const pool = new Pool({ connectionString: url.toString(), max: 1 });
    const schema = `profile_${run}`;
    await migrate(pool, { schema });
    return {
      store: postgresStore({ pool, schema }),
      close: async () => {
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
        await pool.end();
      },
    };
  }
  if (kind === "redis") {
    const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    const refused = nonLoopback(url, "REDIS_URL");
    if (refused !== null) throw new Error(refused);
    const client = new Redis(url.toString());
    const prefix = `profile-${run}`;
    return {
      store: redisStore({ client, prefix }),
      close: async () => {
        const keys = await client.keys(`${prefix}*`);
        for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
        client.disconnect();
      },
    };
  }
  throw new Error(`unknown store ${kind}: memory, postgres or redis`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string" } },
  });
  const [kind = "memory", op = "allocate", secondsText = "5"] = positionals;
  if (op !== "allocate" && op !== "redeem") throw new Error(`unknown operation ${op}`);
  const seconds = Number(secondsText);
  const { store, close } = await subjectFor(kind);
  const coins: Coinage = createCoinage({ store, program: { ...PROGRAM, id: "profile" } });
  await coins.events.create(STORE_EVENT);
  const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
  if (op === "redeem") {
    for (const userId of users)
      await coins.adjust({
        userId,
        coins: "1000000000",
        requestId: `fund-${userId}`,
        reason: "funding",
      });
  }
  const values_ = amounts(1024);
  let k = 0;
  const once = () => {
    const i = k++;
    const userId = users[(i * 7919) % users.length] as string;
    return op === "allocate"
      ? coins.allocate({
          userId,
          event: "SHOP",
          requestId: `a${i}`,
          amount: values_[i % 1024] as string,
        })
      : coins.redeem({ userId, coins: "1", requestId: `r${i}` });
  };
  // Warm-up: one second, unprofiled.
  for (const end = Date.now() + 1000; Date.now() < end; ) await once();

  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  const cpu = process.cpuUsage();
  const startK = k;
  const started = performance.now();
  for (const end = Date.now() + seconds * 1000; Date.now() < end; ) await once();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const { profile } = (await session.post("Profiler.stop")) as { profile: Profile };
  session.disconnect();
  const commands = k - startK;
  await close();

  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  const summary = summarize(profile);
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  console.log(`${kind} ${op}: ${commands} commands in ${(wallMs / 1000).toFixed(1)} s, one caller`);
  console.log(
    `  ${((commands / wallMs) * 1000).toFixed(0)} commands/s; client CPU ${(
      (used.user + used.system) / commands
    ).toFixed(1)} µs per command (user ${(used.user / commands).toFixed(1)}, system ${(
      used.system / commands
    ).toFixed(1)}); wall ${((wallMs * 1000) / commands).toFixed(1)} µs per command`,
  );
  console.log("  where the time goes (self time, share of wall clock):");
  for (const [name, share] of summary.categories) console.log(`    ${pct(share)}  ${name}`);
  console.log("  inclusive (the function and what it calls):");
  for (const [name, share] of summary.inclusive) console.log(`    ${pct(share)}  ${name}`);
  console.log("  top functions by self time:");
  for (const [name, share] of summary.top) console.log(`    ${pct(share)}  ${name}`);
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")
) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
