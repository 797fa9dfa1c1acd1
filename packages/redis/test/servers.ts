/**
 * Redis servers the tests start themselves, on loopback ports, in a temp
 * directory: a 3-master Cluster, and a durable single server for fault tests.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";
import { clientOptions } from "./support.js";

const run = promisify(execFile);
const HOST = "127.0.0.1";

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

/** The first base port from `start` (stepping by `step`) where `count` consecutive ports are free (with their cluster bus ports). */
async function freePorts(start: number, count: number, step: number): Promise<number[]> {
  for (let base = start; base < start + step * 40; base += step) {
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const all = [...ports, ...ports.map((p) => p + 10_000)];
    if ((await Promise.all(all.map(portFree))).every(Boolean)) return ports;
  }
  throw new Error(`no free loopback ports near ${start}`);
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function ping(port: number): Promise<boolean> {
  const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), "PING"]);
  return stdout.trim() === "PONG";
}

async function shutdown(port: number): Promise<void> {
  await run("redis-cli", ["-h", HOST, "-p", String(port), "SHUTDOWN", "NOSAVE"]).catch(
    () => undefined,
  );
}

export interface LocalCluster {
  readonly ports: readonly number[];
  connect(): Cluster;
  stop(): Promise<void>;
}

/** Starts three cluster-enabled masters and joins them; resolves once cluster_state is ok. */
export async function startCluster(): Promise<LocalCluster> {
  const dir = await mkdtemp(join(tmpdir(), "coinage-cluster-"));
  const ports = await freePorts(7101, 3, 10);
  for (const port of ports) {
    await run("redis-server", [
      "--bind",
      HOST,
      "--port",
      String(port),
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--daemonize",
      "yes",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--logfile",
      join(dir, `redis-${port}.log`),
    ]);
  }
  const stop = async () => {
    await Promise.all(ports.map(shutdown));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      ports.map((port) => waitFor(() => ping(port), `redis-server on port ${port}`)),
    );
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((port) => `${HOST}:${port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    await waitFor(async () => {
      const states = await Promise.all(
        ports.map(
          async (port) =>
            (await run("redis-cli", ["-h", HOST, "-p", String(port), "CLUSTER", "INFO"])).stdout,
        ),
      );
      return states.every((info) => info.includes("cluster_state:ok"));
    }, "cluster_state:ok");
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    connect() {
      const cluster = new Cluster(
        ports.map((port) => ({ host: HOST, port })),
        {
          redisOptions: clientOptions,
          clusterRetryStrategy: (times) => Math.min(times * 100, 1_000),
        },
      );
      cluster.on("error", () => undefined);
      return cluster;
    },
    stop,
  };
}

export interface DurableServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no shutdown, no final fsync. */
  kill(): Promise<void>;
  /** Starts it again on the same directory (replaying the append-only file). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A single server with `appendonly yes` and `appendfsync always`, for kill -9 tests. */
export async function startDurableServer(): Promise<DurableServer> {
  const dir = await mkdtemp(join(tmpdir(), "coinage-aof-"));
  const [port] = await freePorts(7201, 1, 1);
  if (port === undefined) throw new Error("no port");
  const pidFile = join(dir, "redis.pid");
  const start = async () => {
    await run("redis-server", [
      "--bind",
      HOST,
      "--port",
      String(port),
      "--daemonize",
      "yes",
      "--pidfile",
      pidFile,
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--dir",
      dir,
      "--logfile",
      join(dir, "redis.log"),
    ]);
    await waitFor(async () => {
      const probe = new Redis({
        host: HOST,
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        const info = await probe.info("persistence");
        return info.includes("loading:0");
      } finally {
        probe.disconnect();
      }
    }, `durable redis-server on port ${port}`);
  };
  await start();
  return {
    port,
    url: `redis://${HOST}:${port}`,
    async kill() {
      const pid = Number((await readFile(pidFile, "utf8")).trim());
      process.kill(pid, "SIGKILL");
      await waitFor(
        async () => !(await portFree(port).then((free) => !free)),
        "the killed server to go away",
        10_000,
      );
      await rm(pidFile, { force: true });
    },
    start,
    async stop() {
      await shutdown(port);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
