/**
 * Configuration from environment variables, checked all at once so a bad
 * deployment fails at startup with every problem listed.
 */
import { isRoundingMode, type RoundingMode } from "@coinage/core";
import type { ProgramSettings } from "./app.js";

export type StoreKind = "memory" | "postgres" | "redis";

export interface Config {
  readonly port: number;
  /** Interface to listen on; all interfaces when unset. */
  readonly host: string | undefined;
  /** Bearer token → program id. */
  readonly tokens: ReadonlyMap<string, string>;
  /** True when COINAGE_TOKENS was not set and the dev token is in use. */
  readonly devTokens: boolean;
  readonly programDefaults: ProgramSettings;
  readonly programs: Readonly<Record<string, ProgramSettings>>;
  readonly store:
    | { readonly kind: "memory" }
    | { readonly kind: "postgres"; readonly url: string; readonly schema?: string }
    | { readonly kind: "redis"; readonly url: string; readonly prefix?: string };
  /** Directory of the built preview page, when set explicitly. */
  readonly previewDir: string | undefined;
}

export const DEV_TOKENS = "dev-token:demo";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function readConfig(env: Env): Config {
  const problems: string[] = [];

  const portText = env.PORT ?? "3000";
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    problems.push(`PORT must be a port number, got ${JSON.stringify(portText)}`);

  const devTokens = env.COINAGE_TOKENS === undefined || env.COINAGE_TOKENS.trim() === "";
  const tokens = new Map<string, string>();
  for (const pair of (devTokens ? DEV_TOKENS : (env.COINAGE_TOKENS as string)).split(",")) {
    const text = pair.trim();
    if (text === "") continue;
    const colon = text.lastIndexOf(":");
    const token = text.slice(0, colon).trim();
    const program = text.slice(colon + 1).trim();
    if (colon <= 0 || token === "" || program === "") {
      problems.push(
        `COINAGE_TOKENS entries are token:programId, got ${JSON.stringify(mask(text))}`,
      );
    } else if (tokens.has(token)) {
      problems.push("COINAGE_TOKENS names one token twice");
    } else {
      tokens.set(token, program);
    }
  }
  if (tokens.size === 0 && problems.length === 0) problems.push("COINAGE_TOKENS holds no token");

  const programDefaults: ProgramSettings = {
    coinValue: env.COINAGE_COIN_VALUE ?? "0.25",
    ...optionalInteger(env, "COINAGE_COIN_SCALE", "coinScale", problems),
    ...(env.COINAGE_ROUNDING === undefined
      ? {}
      : { rounding: rounding(env.COINAGE_ROUNDING, problems) }),
    ...(env.COINAGE_TIME_ZONE === undefined ? {} : { timeZone: env.COINAGE_TIME_ZONE }),
    ...(env.COINAGE_CLAWBACK === undefined
      ? {}
      : { clawback: clawback(env.COINAGE_CLAWBACK, problems) }),
  };

  let programs: Record<string, ProgramSettings> = {};
  if (env.COINAGE_PROGRAMS !== undefined && env.COINAGE_PROGRAMS.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(env.COINAGE_PROGRAMS);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      programs = Object.fromEntries(
        Object.entries(parsed as Record<string, object>).map(([id, settings]) => [
          id,
          { ...programDefaults, ...settings } as ProgramSettings,
        ]),
      );
    } catch {
      problems.push('COINAGE_PROGRAMS must be a JSON object such as {"demo":{"coinValue":"0.10"}}');
    }
  }

  const kind = (env.COINAGE_STORE ?? "memory").trim();
  let store: Config["store"] = { kind: "memory" };
  if (kind === "postgres") {
    if (env.DATABASE_URL === undefined || env.DATABASE_URL === "")
      problems.push("COINAGE_STORE=postgres needs DATABASE_URL");
    else
      store = {
        kind: "postgres",
        url: env.DATABASE_URL,
        ...nonEmpty("schema", env.COINAGE_PG_SCHEMA),
      };
  } else if (kind === "redis") {
    if (env.REDIS_URL === undefined || env.REDIS_URL === "")
      problems.push("COINAGE_STORE=redis needs REDIS_URL");
    else
      store = {
        kind: "redis",
        url: env.REDIS_URL,
        ...nonEmpty("prefix", env.COINAGE_REDIS_PREFIX),
      };
  } else if (kind !== "memory") {
    problems.push(`COINAGE_STORE must be memory, postgres or redis, got ${JSON.stringify(kind)}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: env.HOST === undefined || env.HOST === "" ? undefined : env.HOST,
    tokens,
    devTokens,
    programDefaults,
    programs,
    store,
    previewDir:
      env.COINAGE_PREVIEW_DIR === undefined || env.COINAGE_PREVIEW_DIR === ""
        ? undefined
        : env.COINAGE_PREVIEW_DIR,
  };
}

function nonEmpty<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined || value.trim() === "" ? {} : { [key]: value.trim() }) as {
    [P in K]?: string;
  };
}

/** Never print a whole token. */
function mask(text: string): string {
  return text.length <= 4 ? "****" : `${text.slice(0, 2)}…`;
}

function optionalInteger(
  env: Env,
  name: string,
  key: "coinScale",
  problems: string[],
): { coinScale?: number } {
  const text = env[name];
  if (text === undefined) return {};
  if (!/^\d{1,2}$/.test(text)) {
    problems.push(`${name} must be a small whole number, got ${JSON.stringify(text)}`);
    return {};
  }
  return { [key]: Number(text) };
}

function rounding(text: string, problems: string[]): RoundingMode {
  if (isRoundingMode(text)) return text;
  problems.push(`COINAGE_ROUNDING is not a rounding mode: ${JSON.stringify(text)}`);
  return "down";
}

function clawback(text: string, problems: string[]): "debt" | "cap" {
  if (text === "debt" || text === "cap") return text;
  problems.push(`COINAGE_CLAWBACK must be debt or cap, got ${JSON.stringify(text)}`);
  return "debt";
}
