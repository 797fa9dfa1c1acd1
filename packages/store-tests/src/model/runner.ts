/**
 * Runs the model: each run is a fresh program (random coin value, scale,
 * rounding, time zone, clawback policy and start instant) with 3 to 5
 * random events and 5 users, then a random command sequence checked step
 * by step. Runs go in batches with their own seed until the wanted number
 * of commands has executed; a failure prints the seed and path to replay.
 */
import { createCoinage, type Store } from "@coinage/core";
import fc from "fast-check";
import { newWorld, START } from "../harness.js";
import { ZONES, type Zone } from "./calendar.js";
import { type EventSpec, eventInput, eventsArb } from "./catalog.js";
import { type Real, type Tally, verifyBudget, verifyUser } from "./checks.js";
import {
  adjustmentArb,
  amountArb,
  commandArbs,
  reverseShareArb,
  reverseTargetArb,
  shareArb,
} from "./commands.js";
import { Concurrent, type OpSpec, scheduledStore } from "./concurrent.js";
import { newState } from "./ledger.js";
import type { RoundingMode } from "./ratio.js";
import type { ModelProgram } from "./rules.js";
import { randomSeed, type Sizes } from "./sizes.js";
import type { Cmd, Model } from "./steps.js";

/** The users of every run: plain ids and ids that stores must keep as opaque strings. */
export const USERS = ["u1", "u2", "__proto__", "u 4:{x}", "ü5"] as const;

const programArb: fc.Arbitrary<ModelProgram> = fc.record({
  coinValue: fc.constantFrom("0.25", "1", "0.1", "2.5", "0.3"),
  coinScale: fc.constantFrom(0 as const, 2 as const),
  rounding: fc.constantFrom<RoundingMode>("down", "up", "halfUp", "halfEven"),
  timeZone: fc.constantFrom(...(Object.keys(ZONES) as Zone[])),
  clawback: fc.constantFrom("debt" as const, "cap" as const),
  // Mid-month, and a few hours before a year, a month (and week) boundary.
  start: fc
    .constantFrom(
      START,
      "2026-12-31T17:00:00.000Z",
      "2027-02-28T16:30:00.000Z",
      "2026-06-28T20:00:00.000Z",
    )
    .map((iso) => Date.parse(iso)),
});

const opArb: fc.Arbitrary<OpSpec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("allocate" as const),
      user: fc.nat(2),
      event: fc.nat(4),
      amount: amountArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("redeem" as const), user: fc.nat(2), share: shareArb }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("reverse" as const),
      target: reverseTargetArb,
      pick: fc.nat(30),
      share: reverseShareArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("adjust" as const),
      user: fc.nat(2),
      change: adjustmentArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("dup" as const), index: fc.nat(4) }) },
);

const concurrentArb: fc.Arbitrary<Cmd> = fc
  .tuple(
    fc.array(opArb, { minLength: 2, maxLength: 5 }),
    fc.constantFrom("scheduled" as const, "parallel" as const),
  )
  .map(([ops, mode]) => new Concurrent(ops, mode));

/** Sequential commands build up accounts; most steps are concurrent batches. */
const concurrentCommands: fc.Arbitrary<Cmd>[] = [
  ...commandArbs,
  ...Array.from({ length: commandArbs.length }, () => concurrentArb),
];

export interface ModelRun {
  readonly store: Store;
  readonly sizes: Sizes;
  readonly tally: Tally;
  readonly concurrent: boolean;
  /** For the replay line: the test file and the vitest name filter of the test. */
  readonly testFile: string;
  readonly testName: string;
}

/** Runs per batch; a failure's seed replays its batch, and seed + path its counterexample. */
const RUNS_PER_BATCH = 5;

async function oneRun(
  options: ModelRun,
  program: ModelProgram,
  events: readonly EventSpec[],
  cmds: Iterable<Cmd>,
  scheduler: fc.Scheduler | undefined,
): Promise<void> {
  const world = newWorld(options.store, {
    clawback: program.clawback,
    timeZone: program.timeZone,
    coinScale: program.coinScale,
    coinValue: program.coinValue,
    rounding: program.rounding,
    start: program.start,
  });
  for (const spec of events) await world.coins.events.create(eventInput(spec, program.start));
  const state = newState(program, USERS, events);
  const real: Real = {
    world,
    seen: new Map(),
    tally: options.tally,
    ...(scheduler === undefined
      ? {}
      : {
          scheduled: {
            scheduler,
            coins: createCoinage({
              store: scheduledStore(options.store, scheduler),
              program: world.coins.program,
              clock: world.clock,
            }),
          },
        }),
  };
  const model: Model = { state };
  await fc.asyncModelRun(() => ({ model, real }), cmds);
  for (const user of model.state.users) await verifyUser(model.state, real, user);
  for (const eventId of model.state.events.keys()) await verifyBudget(model.state, real, eventId);
}

// biome-ignore lint/suspicious/noExplicitAny: the two properties differ in their generated values
function property(options: ModelRun): fc.IAsyncProperty<any> {
  const length = options.sizes.length;
  const replayPath = options.sizes.replayPath;
  const replay = replayPath === undefined ? {} : { replayPath };
  if (options.concurrent) {
    return fc.asyncProperty(
      fc.scheduler(),
      programArb,
      eventsArb,
      fc.commands(concurrentCommands, {
        maxCommands: Math.max(1, Math.floor(length / 3)),
        size: "max",
        ...replay,
      }),
      (scheduler, program, events, cmds) => oneRun(options, program, events, cmds, scheduler),
    );
  }
  return fc.asyncProperty(
    programArb,
    eventsArb,
    fc.commands(commandArbs, { maxCommands: length, size: "max", ...replay }),
    (program, events, cmds) => oneRun(options, program, events, cmds, undefined),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see property()
function failure(details: fc.RunDetails<any>, options: ModelRun): Error {
  const report = fc.defaultReportMessage(details) ?? "the property failed";
  // fast-check prints the commands' own replay path inside the counterexample.
  const replayPath = /replayPath="([^"]*)"/.exec(report)?.[1];
  const env = `COINAGE_MODEL_SEED=${details.seed} COINAGE_MODEL_PATH="${details.counterexamplePath ?? ""}"${replayPath === undefined ? "" : ` COINAGE_MODEL_REPLAY_PATH="${replayPath}"`}`;
  const length = options.sizes.length === 60 ? "" : ` COINAGE_MODEL_LENGTH=${options.sizes.length}`;
  return new Error(
    `${report}\n\nReplay with: ${env}${length} npx vitest run ${options.testFile} -t "${options.testName}"`,
    { cause: details.errorInstance },
  );
}

/** Run batches until `target` commands have executed (or replay one failure when a seed is given). */
export async function runModel(options: ModelRun, target: number): Promise<void> {
  const prop = property(options);
  const { seed, path } = options.sizes;
  if (seed !== undefined) {
    const details = await fc.check(prop, {
      seed,
      numRuns: RUNS_PER_BATCH,
      ...(path === undefined ? {} : { path, endOnFailure: true }),
    });
    if (details.failed) throw failure(details, options);
    return;
  }
  // Several batches at once: each run is its own program, so runs are independent, and a
  // store on a server is kept busy while one run waits for its answers.
  const start = options.tally.commands;
  let failed: Error | undefined;
  const worker = async () => {
    while (failed === undefined && options.tally.commands - start < target) {
      const details = await fc.check(prop, { seed: randomSeed(), numRuns: RUNS_PER_BATCH });
      if (details.failed) failed ??= failure(details, options);
      else if (options.sizes.progress) progress(options, options.tally.commands - start, target);
    }
  };
  await Promise.all(Array.from({ length: options.sizes.parallel }, worker));
  if (failed !== undefined) throw failed;
}

function progress(options: ModelRun, done: number, target: number): void {
  const seen = [...options.tally.seen].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  console.log(
    `model: ${done} of ${target} commands (${options.testName})\n${seen.map(([what, n]) => `  ${what}: ${n}`).join("\n")}`,
  );
}
