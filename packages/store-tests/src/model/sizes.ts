/**
 * How much the model runs, from environment variables:
 *
 * | variable                        | default | meaning                                                   |
 * | ------------------------------- | ------- | --------------------------------------------------------- |
 * | `COINAGE_MODEL_COMMANDS`        | 10000   | commands the sequential model test executes (at least)    |
 * | `COINAGE_MODEL_LENGTH`          | 60      | most commands in one run (one fresh program)              |
 * | `COINAGE_MODEL_CONCURRENT`      | 1000    | commands the concurrent model test executes (at least)    |
 * | `COINAGE_MODEL_SEED`            | random  | seed of the run to replay (printed with every failure)    |
 * | `COINAGE_MODEL_PATH`            | —       | counterexample path to replay (printed with every failure) |
 * | `COINAGE_MODEL_REPLAY_PATH`     | —       | the commands' replay path (printed with every failure)     |
 * | `COINAGE_MODEL_PARALLEL`        | 4       | batches of runs executed at once (each run its own program) |
 * | `COINAGE_MODEL_PROGRESS`        | —       | set to 1 to print a line after every batch of runs        |
 */

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number, got ${raw}`);
  return value;
}

export interface Sizes {
  readonly commands: number;
  readonly length: number;
  readonly concurrent: number;
  /** Set when replaying one failure. */
  readonly seed: number | undefined;
  readonly path: string | undefined;
  readonly replayPath: string | undefined;
  readonly parallel: number;
  readonly progress: boolean;
}

export function sizes(): Sizes {
  const seed = process.env.COINAGE_MODEL_SEED;
  return {
    commands: envInt("COINAGE_MODEL_COMMANDS", 10_000),
    length: Math.max(1, envInt("COINAGE_MODEL_LENGTH", 60)),
    concurrent: envInt("COINAGE_MODEL_CONCURRENT", 1_000),
    seed: seed === undefined || seed === "" ? undefined : parseSeed(seed),
    path: process.env.COINAGE_MODEL_PATH || undefined,
    replayPath: process.env.COINAGE_MODEL_REPLAY_PATH || undefined,
    parallel: Math.max(1, envInt("COINAGE_MODEL_PARALLEL", 4)),
    progress: process.env.COINAGE_MODEL_PROGRESS === "1",
  };
}

function parseSeed(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new Error(`COINAGE_MODEL_SEED must be an integer, got ${raw}`);
  return value | 0;
}

/** A fresh seed for one batch of runs. */
export const randomSeed = (): number => (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
