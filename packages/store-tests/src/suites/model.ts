/**
 * Model-based tests: random command sequences against the engine and a
 * reference model written in `../model/` (reward rules, ledger, calendar),
 * independently of core, checked after every step; and concurrent batches
 * checked for linearizability. Sizes and replays: `../model/sizes.ts` and
 * the package README.
 */
import { relative } from "node:path";
import { afterAll, it } from "vitest";
import { type StoreRef, storeOf } from "../harness.js";
import { runModel } from "../model/runner.js";
import { sizes } from "../model/sizes.js";

const SEQUENTIAL = "model - should agree with the reference model after every command";
const CONCURRENT = "model - should stay linearizable under concurrent commands";

export function modelSuite(ref: StoreRef): void {
  const wanted = sizes();
  const tally = { commands: 0, seen: new Map<string, number>() };
  let storeName = "";
  afterAll(() => {
    if (tally.commands > 0) console.log(`model: ${tally.commands} commands on ${storeName}`);
  });

  const register = (name: string, concurrent: boolean, target: number, msPerCommand: number) =>
    it(
      name,
      async ({ task }) => {
        storeName = task.suite?.suite?.name.replace(/ store$/, "") ?? storeOf(ref).name;
        await runModel(
          {
            store: storeOf(ref),
            sizes: wanted,
            tally,
            concurrent,
            testFile: relative(process.cwd(), task.file.filepath),
            testName: name,
          },
          target,
        );
      },
      Math.min(2 ** 31 - 1, Math.max(120_000, target * msPerCommand * slack())),
    );

  register(SEQUENTIAL, false, wanted.commands, 30);
  register(CONCURRENT, true, wanted.concurrent, 60);
}

/** `COINAGE_MODEL_SLACK` multiplies the tests' time limits (long runs on a loaded machine). */
function slack(): number {
  const value = Number(process.env.COINAGE_MODEL_SLACK ?? 1);
  return Number.isFinite(value) && value >= 1 ? value : 1;
}
