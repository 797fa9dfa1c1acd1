/**
 * Coin values (currency per coin) by program, for `report`'s currency
 * figures. Programs are configured in code, not stored, so the CLI is told:
 * `--coin-value 0.25` (every program), `--coin-value acme=0.10` (one
 * program), or the environment the HTTP example reads (`COINAGE_PROGRAMS`,
 * `COINAGE_COIN_VALUE`). Pure.
 */
import { parseProgram } from "@coinage/core";
import { UsageError } from "./io.js";

export interface CoinValues {
  /** The value for `program`, or `undefined` when nothing says. */
  of(program: string): string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A coin value as core validates it (a positive decimal), or a usage error naming `source`. */
function checked(value: string, source: string): string {
  try {
    return parseProgram({ id: "check", coinValue: value }).coinValue;
  } catch {
    throw new UsageError(
      `${source} must be a positive decimal such as 0.25, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * From `--coin-value` flags and the environment. First match wins: the
 * program's flag, the flag for every program, the program's entry of
 * `COINAGE_PROGRAMS`, then `COINAGE_COIN_VALUE`.
 */
export function parseCoinValues(flags: readonly string[], env: Env): CoinValues {
  const flagged = new Map<string, string>();
  let flaggedAll: string | undefined;
  for (const flag of flags) {
    // A coin value never holds "=", a program id may: split at the last one.
    const at = flag.lastIndexOf("=");
    if (at < 0) {
      if (flaggedAll !== undefined)
        throw new UsageError("--coin-value without a program is given twice");
      flaggedAll = checked(flag, "--coin-value");
      continue;
    }
    const program = flag.slice(0, at);
    if (program === "")
      throw new UsageError(`--coin-value takes <decimal> or <program>=<decimal>, got "${flag}"`);
    if (flagged.has(program))
      throw new UsageError(`--coin-value for program ${JSON.stringify(program)} is given twice`);
    flagged.set(program, checked(flag.slice(at + 1), `--coin-value ${program}=…`));
  }

  const fromEnv = new Map<string, string>();
  const programsText = env.COINAGE_PROGRAMS;
  if (programsText !== undefined && programsText.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(programsText);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new UsageError(
        'COINAGE_PROGRAMS must be a JSON object such as {"acme":{"coinValue":"0.10"}}',
      );
    for (const [program, settings] of Object.entries(parsed)) {
      const value = (settings as { coinValue?: unknown } | null)?.coinValue;
      if (value === undefined) continue;
      if (typeof value !== "string" && typeof value !== "number")
        throw new UsageError(`COINAGE_PROGRAMS.${program}.coinValue must be a decimal string`);
      fromEnv.set(program, checked(String(value), `COINAGE_PROGRAMS.${program}.coinValue`));
    }
  }
  const envText = env.COINAGE_COIN_VALUE;
  const envAll =
    envText === undefined || envText.trim() === ""
      ? undefined
      : checked(envText.trim(), "COINAGE_COIN_VALUE");

  return {
    of: (program) => flagged.get(program) ?? flaggedAll ?? fromEnv.get(program) ?? envAll,
  };
}
