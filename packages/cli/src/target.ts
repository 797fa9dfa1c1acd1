/**
 * Which store a run talks to, from the flags and the environment. Pure:
 * nothing is opened here.
 */
import { UsageError } from "./io.js";

export type Target =
  | { readonly kind: "postgres"; readonly url: string; readonly schema?: string }
  | { readonly kind: "redis"; readonly url: string; readonly prefix: string };

/** The store flags every command takes. */
export interface StoreFlags {
  readonly "database-url"?: string | undefined;
  readonly "redis-url"?: string | undefined;
  readonly schema?: string | undefined;
  readonly prefix?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** An environment variable, `undefined` when unset or blank. */
function fromEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * The store to use. A flag wins over the environment; without flags,
 * `DATABASE_URL` or `REDIS_URL` (when both are set, `COINAGE_STORE` says
 * which, as for the HTTP example). `--schema` defaults to
 * `COINAGE_PG_SCHEMA`, `--prefix` to `COINAGE_REDIS_PREFIX`, then
 * `"coinage"`.
 */
export function resolveTarget(flags: StoreFlags, env: Env): Target {
  const databaseUrl = flags["database-url"];
  const redisUrl = flags["redis-url"];
  if (databaseUrl !== undefined && redisUrl !== undefined)
    throw new UsageError("give one store: --database-url or --redis-url, not both");
  if (databaseUrl === "" || redisUrl === "")
    throw new UsageError(`--${databaseUrl === "" ? "database-url" : "redis-url"} is empty`);

  let kind: "postgres" | "redis";
  let url: string;
  if (databaseUrl !== undefined) {
    kind = "postgres";
    url = databaseUrl;
  } else if (redisUrl !== undefined) {
    kind = "redis";
    url = redisUrl;
  } else {
    const envDatabase = fromEnv(env, "DATABASE_URL");
    const envRedis = fromEnv(env, "REDIS_URL");
    const chosen = fromEnv(env, "COINAGE_STORE")?.trim();
    if (envDatabase !== undefined && envRedis !== undefined) {
      if (chosen === "postgres") [kind, url] = ["postgres", envDatabase];
      else if (chosen === "redis") [kind, url] = ["redis", envRedis];
      else
        throw new UsageError(
          "both DATABASE_URL and REDIS_URL are set: pass --database-url or --redis-url, or set COINAGE_STORE to postgres or redis",
        );
    } else if (envDatabase !== undefined) [kind, url] = ["postgres", envDatabase];
    else if (envRedis !== undefined) [kind, url] = ["redis", envRedis];
    else
      throw new UsageError(
        "no store given: pass --database-url or --redis-url (or set DATABASE_URL or REDIS_URL)",
      );
  }

  if (kind === "postgres") {
    if (flags.prefix !== undefined)
      throw new UsageError("--prefix is for Redis; a PostgreSQL store takes --schema");
    const schema = flags.schema ?? fromEnv(env, "COINAGE_PG_SCHEMA");
    if (schema === "") throw new UsageError("--schema is empty");
    return schema === undefined ? { kind, url } : { kind, url, schema };
  }
  if (flags.schema !== undefined)
    throw new UsageError("--schema is for PostgreSQL; a Redis store takes --prefix");
  const prefix = flags.prefix ?? fromEnv(env, "COINAGE_REDIS_PREFIX") ?? "coinage";
  if (prefix === "" || prefix.includes("{") || prefix.includes("}"))
    throw new UsageError(
      `--prefix must be non-empty and free of "{" and "}", got ${JSON.stringify(prefix)}`,
    );
  return { kind, url, prefix };
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

/** How a target appears in `--json` output (never with a password). */
export function describeTarget(target: Target): Record<string, string | null> {
  return target.kind === "postgres"
    ? { kind: "postgres", url: redact(target.url), schema: target.schema ?? null }
    : { kind: "redis", url: redact(target.url), prefix: target.prefix };
}

/** How a target appears in text output. */
export function targetLabel(target: Target): string {
  return target.kind === "postgres"
    ? `PostgreSQL at ${redact(target.url)}${target.schema === undefined ? "" : `, schema ${target.schema}`}`
    : `Redis at ${redact(target.url)}, prefix ${target.prefix}`;
}
