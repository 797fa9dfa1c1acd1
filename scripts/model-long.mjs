// Long mode of the model-based tests: runs the model suites of one store for
// a given number of commands, as a series of vitest processes (a store keeps
// every program it has seen, so one process per chunk keeps memory flat),
// each with fresh random seeds. Prints progress after every process and the
// final count; stops at the first failure, whose output holds the line that
// replays it.
//
//   node scripts/model-long.mjs <store> <commands> [--chunk N] [--jobs J]
//   pnpm model:long postgres 10000000
//
// Stores: memory, postgres, pglite, redis, redis-cluster.
import { spawn } from "node:child_process";
import { join } from "node:path";

const STORES = {
  memory: ["packages/memory/test/memory.test.ts", "memory"],
  postgres: ["packages/postgres/test/conformance.test.ts", "postgres"],
  pglite: ["packages/postgres/test/conformance.test.ts", "pglite"],
  redis: ["packages/redis/test/conformance.test.ts", "redis"],
  "redis-cluster": ["packages/redis/test/conformance.test.ts", "redis cluster"],
};

function usage(message) {
  if (message) console.error(message);
  console.error(
    `usage: node scripts/model-long.mjs <${Object.keys(STORES).join("|")}> <commands> [--chunk N] [--jobs J]`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) usage(`${name} needs a positive whole number`);
  args.splice(i, 2);
  return value;
};
const chunk = option("--chunk", 20_000);
const jobs = option("--jobs", 1);
const [store, wanted] = args;
if (!(store in STORES)) usage(`unknown store ${JSON.stringify(store)}`);
const total = Number(wanted);
if (!Number.isSafeInteger(total) || total < 1)
  usage("the number of commands must be a positive whole number");

const root = new URL("..", import.meta.url).pathname;
const [file, suite] = STORES[store];
const vitest = join(root, "node_modules", ".bin", "vitest");
// The -t filter is matched against "<suite> store model <test name>".
const filter = `^${suite} store model `;

let done = 0;
let processes = 0;
let failure;
const started = Date.now();

function runChunk(commands) {
  return new Promise((resolve) => {
    const child = spawn(vitest, ["run", file, "-t", filter], {
      cwd: root,
      env: {
        ...process.env,
        COINAGE_MODEL_COMMANDS: String(Math.ceil(commands * 0.9)),
        COINAGE_MODEL_CONCURRENT: String(Math.max(1, Math.floor(commands * 0.1))),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (data) => {
      output += data;
    });
    child.stderr.on("data", (data) => {
      output += data;
    });
    child.on("close", (code) => {
      const counted = [...output.matchAll(/model: (\d+) commands on /g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      resolve({ code, counted, output });
    });
  });
}

async function worker() {
  while (failure === undefined && done < total) {
    const commands = Math.min(chunk, total - done);
    done += commands; // reserved; corrected below with what actually ran
    const result = await runChunk(commands);
    done += result.counted - commands;
    processes += 1;
    if (result.code !== 0 || result.counted === 0) {
      failure ??= result.output;
      break;
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `model-long: ${done} of ${total} commands on ${store} (${processes} processes, ${Math.round(done / seconds)} commands/s)`,
    );
  }
}

await Promise.all(Array.from({ length: jobs }, worker));
if (failure !== undefined) {
  console.error(failure);
  console.error(`model-long: FAILED on ${store} after ${done} commands`);
  process.exit(1);
}
console.log(`model-long: ${done} commands on ${store}, all passed`);
