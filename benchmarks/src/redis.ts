/**
 * Redis: the same shapes as Postgres (allocations/s and redemptions/s at 1,
 * 4 and 16 connections, uniform and hot, p50/p95/p99), cost growth and bulk.
 *
 * The floor is one EVALSHA per operation of a script that touches the same
 * keys the store's scripts touch for that command, with the same reads
 * (claim, event, own request record, account head, the ranges of the two
 * open-lot indexes and their lots, usage counters, lease) and the same writes
 * (claim, head, lot, both lot indexes, entry, usage, request record, and the
 * expiry index when the captured command moved it), and no decision logic:
 * the values written are the ones the store wrote for a captured command,
 * with the ids swapped. The keys and values are
 * captured by recording the store's own EVALSHA calls for one allocation and
 * one redemption. The floor writes under its own key prefix.
 *
 * That the script still touches what the store touches is checked on every
 * run, not assumed: the captured command and one floor call on an account in
 * the same state are watched with MONITOR, and the keys their scripts read
 * and write (found with COMMAND GETKEYS, classed by COMMAND INFO's `write`
 * flag) must be the same sets, ids aside; otherwise the run stops and says
 * which keys differ.
 */
import { createCoinage } from "@coinage/core";
import { redisStore } from "@coinage/redis";
import Redis from "ioredis";
import { benchBulk } from "./bulk.js";
import { amounts, PROGRAM, STORE_EVENT } from "./fixtures.js";
import { benchGrowth } from "./growth.js";
import { type Config, nonLoopback, type Report } from "./harness.js";
import { checkInvariants } from "./invariants.js";
import { benchOpenLots } from "./openlots.js";
import { makeSubject } from "./subject.js";
import {
  accountPlan,
  connectionCounts,
  FUNDING_AMOUNT,
  fundAccounts,
  type Lane,
  OPS,
  type Op,
  runMatrix,
} from "./throughput.js";

const DEFAULT_URL = "redis://127.0.0.1:6379";

type Arg = string | number;

interface ScriptCall {
  readonly keys: string[];
  readonly args: string[];
}

/**
 * An ioredis client look-alike (scripts only) that records EVALSHA calls
 * while `on` is set, and counts round trips: calls sent while none of the
 * recorded ones is waiting for its answer start a new one.
 */
class RecordingClient {
  on = false;
  readonly calls: ScriptCall[] = [];
  roundTrips = 0;
  #waiting = 0;
  constructor(readonly client: Redis) {}

  start(): void {
    this.calls.length = 0;
    this.roundTrips = 0;
    this.on = true;
  }

  evalsha(sha1: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    const reply = this.client.evalsha(sha1, numkeys, ...rest);
    if (!this.on) return reply;
    this.calls.push({
      keys: rest.slice(0, numkeys).map(String),
      args: rest.slice(numkeys).map(String),
    });
    if (this.#waiting === 0) this.roundTrips++;
    this.#waiting++;
    return reply.finally(() => {
      this.#waiting--;
    });
  }

  eval(script: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    return this.client.eval(script, numkeys, ...rest);
  }

  script(subcommand: "LOAD", source: string): Promise<unknown> {
    return this.client.script(subcommand, source);
  }
}

/** The keys scripts read and wrote, as MONITOR saw them. */
interface Touched {
  readonly reads: Set<string>;
  readonly writes: Set<string>;
}

/**
 * MONITOR on its own connection, keeping the commands scripts ran on keys
 * under `prefix` (other clients of the server are ignored).
 */
class KeyMonitor {
  #lines: string[][] = [];
  #waitingFor: { token: string; done: () => void } | undefined;
  readonly #writes = new Map<string, boolean>();

  private constructor(
    readonly client: Redis,
    readonly monitor: Redis,
    readonly prefix: string,
  ) {
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source === "lua" && args.slice(1).some((a) => a.startsWith(`${prefix}:`))) {
        this.#lines.push(args);
      } else if (
        args[0]?.toLowerCase() === "echo" &&
        this.#waitingFor !== undefined &&
        args[1] === this.#waitingFor.token
      ) {
        this.#waitingFor.done();
      }
    });
  }

  static async open(client: Redis, prefix: string): Promise<KeyMonitor> {
    return new KeyMonitor(client, await client.monitor(), prefix);
  }

  close(): void {
    this.monitor.disconnect();
  }

  /** What the scripts run by `fn` read and wrote. */
  async during(fn: () => Promise<unknown>): Promise<Touched> {
    this.#lines = [];
    await fn();
    const token = `${this.prefix}:done:${Math.random().toString(36).slice(2)}`;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("redis floor: MONITOR fell silent")), 5000);
      this.#waitingFor = {
        token,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
    await this.client.echo(token);
    await seen;
    this.#waitingFor = undefined;
    const touched: Touched = { reads: new Set(), writes: new Set() };
    for (const args of this.#lines) {
      const name = (args[0] as string).toLowerCase();
      let write = this.#writes.get(name);
      if (write === undefined) {
        const info = (await this.client.call("COMMAND", "INFO", name)) as [
          [string, number, string[]],
        ];
        write = info[0]?.[2]?.includes("write") ?? false;
        this.#writes.set(name, write);
      }
      const keys = (await this.client.call("COMMAND", "GETKEYS", ...args)) as string[];
      for (const key of keys) (write ? touched.writes : touched.reads).add(key);
    }
    return touched;
  }
}

/** The keys in `touched`, with the user's and the request's ids as markers. */
function keysOf(touched: Touched, user: string, request: string): Touched {
  const swap = (key: string) => key.split(request).join("<request>").split(user).join("<user>");
  return {
    reads: new Set([...touched.reads].map(swap)),
    writes: new Set([...touched.writes].map(swap)),
  };
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}

/**
 * KEYS: claim, claim holders, claim of version 0.1, head, lots, fifo, avail,
 * entries, usage, requests, lease, event versions or events (the head when none), expiry,
 * expiryVersions (the head when none).
 * ARGV: user, request id, event field ('' for none), at, spend ('' for
 * none), usage count n, n pairs (key, value), then lot id ('new' for a new
 * lot), lot json, fifo member prefix (its earnedAt part), fifo score, avail
 * score, debt, entry json, record json, open, pending, asOf, nextChangeAt,
 * expiry member ('' for none), earliest expiry, claim holders' ttl.
 *
 * The store's scripts' reads and writes on the same keys, in one call, with
 * the values the store wrote for a captured command: the claim-and-read
 * script's claim, own-record check, head, usage, the ranges of the two lot
 * indexes it reads (due, next-expiry group, activated, next activation,
 * FIFO spend lots) and their lots; the commit script's lease, version and
 * record checks and its writes; and for allocations the event (version) read and,
 * when the captured command moved it, the expiry index entry.
 */
const FLOOR_SCRIPT = `
local owner = redis.call('GET', KEYS[1])
if not owner then redis.call('GET', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[#ARGV])
if ARGV[3] ~= '' then redis.call('HGET', KEYS[12], ARGV[3]) end
redis.call('HGET', KEYS[10], ARGV[2])
local head = redis.call('HMGET', KEYS[4], 'version', 'debt', 'nextLotId', 'nextEntrySeq', 'open', 'pending', 'asOf', 'nextChangeAt')
local n = tonumber(ARGV[6])
local usageKeys = {}
for j = 1, n do usageKeys[j] = ARGV[5 + 2 * j] end
if n > 0 then redis.call('HMGET', KEYS[9], unpack(usageKeys)) end
local at = ARGV[4]
local ids = {}
local function add(members) for j = 1, #members do ids[#ids + 1] = string.sub(members[j], string.find(members[j], ':', 1, true) + 1) end end
add(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', at))
local nx = redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. at, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
if #nx > 0 and nx[2] ~= 'inf' then add(redis.call('ZRANGEBYSCORE', KEYS[6], nx[2], nx[2])) end
local asOf = head[7] or '0'
if tonumber(at) > tonumber(asOf) then add(redis.call('ZRANGEBYSCORE', KEYS[7], '(' .. asOf, at)) end
add(redis.call('ZRANGEBYSCORE', KEYS[7], '(' .. at, '+inf', 'LIMIT', 0, 1))
if #ids > 0 then redis.call('HMGET', KEYS[5], unpack(ids)) end
if ARGV[5] ~= '' then
  local page = redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. at, '+inf', 'WITHSCORES', 'LIMIT', 0, 64)
  if #page > 0 then
    local json = redis.call('HGET', KEYS[5], string.sub(page[1], string.find(page[1], ':', 1, true) + 1))
    cjson.decode(json)
  end
end
local a = 7 + 2 * n
redis.call('GET', KEYS[11])
redis.call('HMGET', KEYS[4], 'version', 'asOf')
redis.call('HGET', KEYS[10], ARGV[2])
local version = tonumber(head[1] or '0')
local nextLot = tonumber(head[3] or '1')
local nextSeq = tonumber(head[4] or '1')
local lotId = ARGV[a]
if lotId == 'new' then
  lotId = tostring(nextLot)
  nextLot = nextLot + 1
end
local id = tonumber(lotId)
local avail = string.format('%014x:%d', id, id)
redis.call('HSET', KEYS[4], 'version', version + 1, 'debt', ARGV[a + 5], 'nextLotId', nextLot,
  'nextEntrySeq', nextSeq + 1, 'open', ARGV[a + 8], 'pending', ARGV[a + 9], 'asOf', ARGV[a + 10],
  'nextChangeAt', ARGV[a + 11])
redis.call('HSET', KEYS[5], lotId, ARGV[a + 1])
redis.call('ZADD', KEYS[6], ARGV[a + 3], ARGV[a + 2] .. avail)
redis.call('ZADD', KEYS[7], ARGV[a + 4], avail)
redis.call('ZADD', KEYS[8], nextSeq, ARGV[a + 6])
for j = 1, n do redis.call('HSET', KEYS[9], ARGV[5 + 2 * j], ARGV[6 + 2 * j]) end
redis.call('HSET', KEYS[10], ARGV[2], ARGV[a + 7])
redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
local member = ARGV[a + 12]
if member ~= '' then
  redis.call('ZADD', KEYS[13], 'LT', ARGV[a + 13], member)
  redis.call('HGET', KEYS[14], member)
  redis.call('HSET', KEYS[14], member, version + 1)
  redis.call('ZADD', KEYS[13], ARGV[a + 13], member)
end
-- The change feed and the liability totals, in the user's stripe: the
-- pending mark, the entry appended to the stream past the user's pointer,
-- the stripe's totals and the user's last open coins and debt, the mark dropped.
local F = #ARGV
redis.call('ZADD', KEYS[17], at, ARGV[F - 2])
redis.call('HMGET', KEYS[16], '~', ARGV[F - 3])
redis.call('XADD', KEYS[15], '*', 'u', ARGV[F - 3], 'e', ARGV[F - 1])
redis.call('HSET', KEYS[16], '~', at, ARGV[F - 3], nextSeq)
local totals = redis.call('HMGET', KEYS[18], 'earned', 'redeemed', 'open', 'debt')
redis.call('HSET', KEYS[18], 'earned', totals[1] or '0', 'open', totals[3] or '0')
redis.call('HGET', KEYS[19], ARGV[F - 3])
redis.call('HSET', KEYS[19], ARGV[F - 3], ARGV[a + 8] .. ' ' .. ARGV[a + 5])
redis.call('ZREM', KEYS[17], ARGV[F - 2])
return 1
`;

/** What one captured command touched, replayable for any account and request id. */
class FloorPlan {
  readonly keys: string[];
  readonly args: string[];
  constructor(
    calls: readonly ScriptCall[],
    readonly user: string,
    readonly request: string,
    readonly calledScripts: number,
    readonly roundTrips: number,
    op: Op,
  ) {
    // The commit: 9 keys, the eighth the account's lease. The claim and read:
    // its first key is the request id's claim (one call on a single server).
    const commit = calls.find((c) => c.keys.length === 9 && c.keys[7]?.endsWith(":lease") === true);
    const read = calls.find((c) => c.keys[0]?.endsWith(":claim") === true && c.keys.length === 11);
    if (commit === undefined || read === undefined) {
      throw new Error(
        "redis floor: the captured command has no claim-and-read or commit call; update benchmarks/src/redis.ts",
      );
    }
    // The event: its stored version (an event the engine remembers) or the event itself.
    const event = calls.find(
      (c) =>
        c.keys.length === 1 &&
        (c.keys[0]?.endsWith(":event-versions") === true ||
          c.keys[0]?.endsWith(":events") === true),
    );
    const expiry = calls.find(
      (c) => c.keys.length === 2 && c.keys[0]?.endsWith(":expiry") === true,
    );
    // The publication to the user's feed stripe (stream, published, pending, totals, balances, …).
    const publish = calls.find((c) => c.keys.length >= 5 && c.keys[0]?.endsWith(":feed") === true);
    if (publish === undefined) {
      throw new Error(
        "redis floor: the captured command published no entry to the feed; update benchmarks/src/redis.ts",
      );
    }
    const [stream, published, pending, totals, balances] = publish.keys as string[];
    const [claim, holders, legacyClaim] = read.keys as string[];
    const [head, lots, fifo, avail, entries, usage, requests, lease] = commit.keys as string[];
    // Read args after the claim part (claims 1, accounts 1, width, ttl, user):
    // own request id, at, spend, mode, then counted usage keys, request ids, lot ids.
    const at = read.args[6] as string;
    const spend = read.args[7] as string;
    const a = commit.args;
    // Commit args: 11 fixed, then counted groups lots (6), entries (2), usage (2), requests (2).
    let pos = 11;
    const group = (width: number) => {
      const count = Number(a[pos]);
      const items = [];
      for (let j = 0; j < count; j++)
        items.push(a.slice(pos + 1 + j * width, pos + 1 + (j + 1) * width));
      pos += 1 + count * width;
      return items;
    };
    const lotRows = group(6);
    const entryRows = group(2);
    const usageRows = group(2);
    const requestRows = group(2);
    const lot = lotRows[0];
    const entry = entryRows[0];
    const record = requestRows.find((r) => r[1]?.includes(JSON.stringify(request)) === true);
    if (lot === undefined || entry === undefined || record === undefined) {
      throw new Error("redis floor: the captured commit wrote no lot, entry or request record");
    }
    const fifoMember = lot[2] as string;
    this.keys = [
      claim as string,
      holders as string,
      legacyClaim as string,
      head as string,
      lots as string,
      fifo as string,
      avail as string,
      entries as string,
      usage as string,
      requests as string,
      lease as string,
      event?.keys[0] ?? (head as string),
      expiry?.keys[0] ?? (head as string),
      expiry?.keys[1] ?? (head as string),
      stream as string,
      published as string,
      pending as string,
      totals as string,
      balances as string,
    ];
    this.args = [
      read.args[4] as string,
      read.args[5] as string,
      event?.args[0] ?? "",
      at,
      spend,
      String(usageRows.length),
      ...usageRows.flat(),
      op === "allocate" ? "new" : String(lot[0]),
      lot[1] as string,
      fifoMember.slice(0, fifoMember.length - (lot[3] as string).length),
      lot[4] as string,
      lot[5] as string,
      a[4] as string,
      entry[1] as string,
      record[1] as string,
      a[7] as string,
      a[8] as string,
      a[9] as string,
      a[10] as string,
      expiry === undefined ? "" : (expiry.args[0] as string),
      expiry === undefined ? "" : (expiry.args[2] as string),
      // The feed: the user's member, a pending mark, the entry as published.
      publish.args[0] as string,
      `${publish.args[0] as string}.floor`,
      (publish.args[7] as string | undefined) ?? (entry[1] as string),
      read.args[3] as string,
    ];
  }

  keysFor(user: string, request: string): string[] {
    return this.keys.map((k) => k.split(this.request).join(request).split(this.user).join(user));
  }

  argsFor(user: string, request: string): string[] {
    return this.args.map((v) => v.split(this.request).join(request).split(this.user).join(user));
  }
}

function redisUrl(): URL {
  return new URL(process.env.REDIS_URL ?? DEFAULT_URL);
}

function connect(url: URL): Redis {
  return new Redis(url.toString(), {
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    enableOfflineQueue: true,
  });
}

async function reachable(url: URL): Promise<string | null> {
  const refused = nonLoopback(url, "REDIS_URL");
  if (refused !== null) return refused;
  const client = connect(url);
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `cannot reach ${url.host}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    client.disconnect();
  }
}

async function removeKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== "0");
}

export async function benchRedis(config: Config, report: Report, runId: string): Promise<void> {
  const url = redisUrl();
  const problem = await reachable(url);
  if (problem !== null) {
    if (process.env.CI === "true") report.check("redis: server reachable (CI)", false, problem);
    else report.skip("redis", `${problem} (set REDIS_URL; skipped)`);
    return;
  }
  const prefix = `bench-${runId}`;
  const floorPrefix = `bench-${runId}-floor`;
  const main = connect(url);
  const clients: Redis[] = [];
  try {
    await main.connect();
    const subject = await makeSubject("redis", redisStore({ client: main, prefix }), runId);
    const programId = subject.coins.program.id;
    const recorder = new RecordingClient(main);
    const floorCoins = createCoinage({
      store: redisStore({ client: recorder, prefix: floorPrefix }),
      program: { ...PROGRAM, id: programId },
    });
    await floorCoins.events.create(STORE_EVENT);

    const plan = accountPlan(config);
    const everyone = [...plan.uniform, ...plan.hot.flat()];
    console.log(`  funding ${everyone.length} accounts under each prefix`);
    await fundAccounts(
      (items) => subject.tracker.allocateMany(subject.coins, items),
      everyone,
      subject.ids,
    );
    await fundAccounts((items) => floorCoins.allocateMany(items), everyone, `${subject.ids}-floor`);

    // Capture one command of each kind on an account shaped like the others,
    // and check one floor call on a second such account: both under MONITOR.
    const floorSha = (await main.script("LOAD", FLOOR_SCRIPT)) as string;
    const floorCall = (client: Redis, floor: FloorPlan, userId: string, requestId: string) => {
      const keys = floor.keysFor(userId, requestId);
      return client.evalsha(floorSha, keys.length, ...keys, ...floor.argsFor(userId, requestId));
    };
    const capUser = "floorcap-user";
    const checkUser = "floorcheck-user";
    for (const userId of [capUser, checkUser]) {
      await floorCoins.allocate({
        userId,
        event: "SHOP",
        requestId: `${userId}-fund`,
        amount: FUNDING_AMOUNT,
      });
    }
    const plans = new Map<Op, FloorPlan>();
    const mismatches: string[] = [];
    const monitor = await KeyMonitor.open(main, floorPrefix);
    try {
      for (const op of OPS) {
        const request = `floorcap-${op}`;
        recorder.start();
        const byStore = await monitor.during(() =>
          op === "allocate"
            ? floorCoins.allocate({
                userId: capUser,
                event: "SHOP",
                requestId: request,
                amount: "12345.67",
              })
            : floorCoins.redeem({ userId: capUser, coins: "1", requestId: request }),
        );
        recorder.on = false;
        const floor = new FloorPlan(
          recorder.calls,
          capUser,
          request,
          recorder.calls.length,
          recorder.roundTrips,
          op,
        );
        plans.set(op, floor);
        const checkRequest = `floorcheck-${op}`;
        const byFloor = await monitor.during(() => floorCall(main, floor, checkUser, checkRequest));
        const store = keysOf(byStore, capUser, request);
        const mine = keysOf(byFloor, checkUser, checkRequest);
        const problems = (
          [
            ["read by the store only", difference(store.reads, mine.reads)],
            ["read by the floor only", difference(mine.reads, store.reads)],
            ["written by the store only", difference(store.writes, mine.writes)],
            ["written by the floor only", difference(mine.writes, store.writes)],
          ] as const
        ).filter(([, keys]) => keys.length > 0);
        if (problems.length > 0) {
          mismatches.push(
            `${op}: the floor script no longer touches the keys the store's scripts touch (update FLOOR_SCRIPT in benchmarks/src/redis.ts): ${problems
              .map(([what, keys]) => `${what}: ${keys.join(", ")}`)
              .join("; ")}`,
          );
          continue;
        }
        console.log(
          `  ${op}: the store makes ${floor.calledScripts} EVALSHA calls in ${floor.roundTrips} round trips, ` +
            `reading ${store.reads.size} keys and writing ${store.writes.size}; the floor's one call touches the same keys`,
        );
      }
    } finally {
      monitor.close();
    }
    report.check(
      "redis floor: its script reads and writes the keys the store's scripts do (MONITOR)",
      mismatches.length === 0,
      [...mismatches, ...[...plans].map(([op, p]) => `${op}: ${p.calledScripts} calls`)].join(", "),
    );
    // A floor that touches other keys measures something else: no comparison then.
    if (mismatches.length > 0) return;
    report.notes.push(
      `redis EVALSHA calls per command: ${[...plans]
        .map(([op, p]) => `${op} ${p.calledScripts} in ${p.roundTrips} round trips`)
        .join(", ")}; the floor makes 1 call`,
    );

    // Entries under the floor prefix, over every benchmark account.
    const entriesKey = (userId: string) =>
      (plans.get("redeem") as FloorPlan).keysFor(userId, "-")[7] as string;
    const floorEntries = async () =>
      (await Promise.all(everyone.map((userId) => main.zcard(entriesKey(userId))))).reduce(
        (a, b) => a + b,
        0,
      );
    const entriesBefore = await floorEntries();
    let floorCalls = 0;
    const lanes: Lane[] = [];
    for (const conns of connectionCounts(config)) {
      const pool = Array.from({ length: conns }, () => connect(url));
      for (const c of pool) {
        await c.connect();
        clients.push(c);
      }
      const engines = pool.map((client) =>
        createCoinage({
          store: redisStore({ client, prefix }),
          program: { ...PROGRAM, id: programId },
        }),
      );
      lanes.push({
        conns,
        store: (op, w, userId, requestId, amount) => {
          const coins = engines[w % engines.length] as (typeof engines)[number];
          return op === "allocate"
            ? subject.tracker.allocate(coins, { userId, event: "SHOP", requestId, amount })
            : subject.tracker.redeem(coins, { userId, coins: "1", requestId });
        },
        floor: async (op, w, userId, requestId) => {
          await floorCall(
            pool[w % pool.length] as Redis,
            plans.get(op) as FloorPlan,
            userId,
            requestId,
          );
          floorCalls++;
        },
      });
    }
    await runMatrix(
      config,
      report,
      { section: "redis", floorLabel: "EVALSHA", target: 0.6, subject },
      lanes,
      amounts(1024, 5),
    );
    // Each floor call books exactly one history entry, as the store's command does.
    const written = (await floorEntries()) - entriesBefore;
    report.check(
      "redis floor: each script call wrote its history entry",
      floorCalls > 0 && written === floorCalls,
      `${floorCalls} floor calls, ${written} entries`,
    );

    await benchOpenLots(subject, config, report);
    await benchGrowth(subject, config, report, {
      realSeed: config.smoke ? 50 : 1000,
      parallel: 8,
      redeemsPerRound: config.smoke ? 10 : 60,
    });
    await benchBulk(subject, config, report);
    await checkInvariants("redis", subject.store, subject.coins, subject.tracker, report, {
      concurrency: 8,
    });
  } finally {
    for (const c of clients) c.disconnect();
    await removeKeys(main, prefix).catch(() => undefined);
    await removeKeys(main, floorPrefix).catch(() => undefined);
    main.disconnect();
  }
}
