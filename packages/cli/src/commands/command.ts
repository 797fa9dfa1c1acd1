/**
 * The shape of one command: its flags (for `node:util` `parseArgs`), the
 * check of their values (pure, before anything is opened), and the work over
 * an open backend. `run.ts` does the rest: parsing, opening and closing the
 * store, printing, exit codes.
 */
import type { ParseArgsConfig } from "node:util";
import type { Backend } from "../backends/backend.js";
import { UsageError } from "../io.js";
import type { Target } from "../target.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
export type Env = Readonly<Record<string, string | undefined>>;

export interface Context {
  readonly target: Target;
  /** Milliseconds since the epoch. */
  now(): number;
  /** A progress line on stderr (dropped with `--quiet`). */
  progress(line: string): void;
}

/** What a command answers: `ok` decides the exit code (0 or 1). */
export interface Outcome {
  readonly ok: boolean;
  /** The fields of the `--json` document (besides `ok`, `command` and `store`). */
  readonly json: Readonly<Record<string, unknown>>;
  /** The text output, one line per entry. */
  readonly text: readonly string[];
}

export interface Command<P> {
  readonly name: string;
  readonly summary: string;
  /** The command's own flags, with their help lines. */
  readonly flags: Options;
  readonly help: readonly string[];
  /** Whether the store must be reachable before `execute` (`doctor` checks that itself). */
  readonly connects: boolean;
  /** Checks the flag values; throws `UsageError`. */
  parse(values: Values, context: { readonly target: Target; readonly env: Env; now(): number }): P;
  execute(params: P, backend: Backend, context: Context): Promise<Outcome>;
}

export function stringFlag(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

export function stringsFlag(values: Values, name: string): string[] | undefined {
  const value = values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

export function booleanFlag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** `--program` values: non-empty ids, each once, in the order given. */
export function programsFlag(values: Values): string[] | undefined {
  const programs = stringsFlag(values, "program");
  if (programs === undefined) return undefined;
  for (const program of programs) {
    if (program === "" || program.length > 200)
      throw new UsageError("--program takes a program id of 1 to 200 characters");
  }
  return [...new Set(programs)];
}

/** `1,234` for counts in text output. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `s` when `n` is not 1. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : many}`;
}
