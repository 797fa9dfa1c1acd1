/**
 * Opens the store chosen by configuration. Drivers are imported only when
 * chosen, so the memory store needs neither `pg` nor `ioredis` at run time.
 */
import type { Store } from "@coinage/core";
import type { Config } from "./config.js";

export interface OpenStore {
  readonly store: Store;
  /** A description for the startup line (never includes credentials). */
  readonly label: string;
  close(): Promise<void>;
}

/**
 * Where background failures of a store's connections are reported: an idle
 * Postgres connection that dies (a server restart, `pg_terminate_backend`,
 * a network cut) is dropped by the pool and reported here, instead of
 * crashing the process. Defaults to one line on stderr.
 */
export type ConnectionErrorListener = (error: Error) => void;

const warnOnStderr: ConnectionErrorListener = (error) =>
  console.warn(`postgres: an idle connection failed and was dropped: ${error.message}`);

export async function openStore(
  config: Config["store"],
  onConnectionError: ConnectionErrorListener = warnOnStderr,
): Promise<OpenStore> {
  switch (config.kind) {
    case "memory": {
      const { memoryStore } = await import("@coinage/memory");
      return {
        store: memoryStore(),
        label: "memory (data is lost on restart)",
        close: async () => {},
      };
    }
    case "postgres": {
      const [{ default: pg }, { postgresStore, migrate }] = await Promise.all([
        import("pg"),
        import("@coinage/postgres"),
      ]);
      const pool = new pg.Pool({ connectionString: config.url, max: 10 });
      // pg emits `error` on the pool when an idle connection dies; without a
      // listener that is an uncaught exception. The pool replaces the connection.
      pool.on("error", onConnectionError);
      try {
        const schema = config.schema === undefined ? {} : { schema: config.schema };
        const { applied } = await migrate(pool, schema);
        return {
          store: postgresStore({ pool, ...schema }),
          label: `postgres at ${redact(config.url)}${config.schema === undefined ? "" : `, schema ${config.schema}`}${applied.length > 0 ? ` (applied ${applied.join(", ")})` : ""}`,
          close: () => pool.end(),
        };
      } catch (error) {
        await pool.end().catch(() => {});
        throw error;
      }
    }
    case "redis": {
      const [{ Redis }, { redisStore }] = await Promise.all([
        import("ioredis"),
        import("@coinage/redis"),
      ]);
      const client = new Redis(config.url, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
      try {
        // Fail at startup, not on the first request, when Redis is unreachable.
        await client.ping();
      } catch (error) {
        client.disconnect();
        throw error;
      }
      return {
        store: redisStore({
          client,
          ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
        }),
        label: `redis at ${redact(config.url)}${config.prefix === undefined ? "" : `, prefix ${config.prefix}`}`,
        close: async () => {
          await client.quit().catch(() => client.disconnect());
        },
      };
    }
  }
}

/** A connection URL without its password. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "****";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
