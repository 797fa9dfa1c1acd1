/**
 * How much the model runs, from environment variables (the package README
 * has the table): `COINAGE_MODEL_COMMANDS` (8,500) and
 * `COINAGE_MODEL_CONCURRENT` (1,500) commands for the sequential and the
 * concurrent test, at least 10,000 per store together;
 * `COINAGE_MODEL_LENGTH` (60) commands at most per run;
 * `COINAGE_MODEL_PARALLEL` (4) batches at once; `COINAGE_MODEL_SEED`,
 * `COINAGE_MODEL_PATH` and `COINAGE_MODEL_REPLAY_PATH` to replay a failure;
 * `COINAGE_MODEL_PROGRESS=1` for progress lines.
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
    commands: envInt("COINAGE_MODEL_COMMANDS", 8_500),
    length: Math.max(1, envInt("COINAGE_MODEL_LENGTH", 60)),
    concurrent: envInt("COINAGE_MODEL_CONCURRENT", 1_500),
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
