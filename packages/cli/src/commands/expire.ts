/**
 * `coinage expire`: the expiry sweep (`coins.expire`) of each program:
 * writes the `expire` entries of lots whose expiry is at or before
 * `--before` (default: now). Balances never wait for it; it keeps the
 * history and the stored totals current. Idempotent: a second run finds
 * nothing; a run cut short is finished by the next one.
 */
import {
  type AccountCommand,
  addDecimalStrings,
  createCoinage,
  type ExecuteOutcome,
  isCoinageError,
  type Store,
} from "@coinage/core";
import { messageOf } from "../backends/backend.js";
import { UsageError } from "../io.js";
import { type Command, count, plural, programsFlag, stringFlag } from "./command.js";

interface ExpireParams {
  readonly programs: readonly string[] | undefined;
  readonly before: number | undefined;
  readonly batchSize: number | undefined;
}

type ProgramSweep =
  | {
      readonly program: string;
      readonly accounts: number;
      readonly lots: number;
      readonly coins: string;
      readonly checked: number;
      readonly ms: number;
    }
  | {
      readonly program: string;
      readonly error: { readonly code: string; readonly message: string };
      readonly checked: number;
      readonly ms: number;
    };

/** At most one progress line per this many milliseconds while a program is swept. */
const PROGRESS_EVERY_MS = 2_000;

export const expireCommand: Command<ExpireParams> = {
  name: "expire",
  summary: "run the expiry sweep: expire lots past their expiry",
  flags: {
    program: { type: "string", multiple: true },
    before: { type: "string" },
    "batch-size": { type: "string" },
    quiet: { type: "boolean", short: "q" },
  },
  help: [
    "  --program <id>         sweep this program (repeatable); default: every program with accounts",
    "  --before <instant>     expire lots whose expiry is at or before this ISO 8601 instant",
    "                         (default: now; never later than now)",
    "  --batch-size <n>       accounts per page of the sweep, 1 to 500 (default 100)",
    "  -q, --quiet            no progress lines on stderr",
  ],
  connects: true,

  parse(values, { now }) {
    const programs = programsFlag(values);
    const beforeText = stringFlag(values, "before");
    let before: number | undefined;
    if (beforeText !== undefined) {
      // An instant with a date; `Date.parse` alone would take "1" or "May".
      before = /^\d{4}-\d{2}-\d{2}/.test(beforeText) ? Date.parse(beforeText) : Number.NaN;
      if (Number.isNaN(before))
        throw new UsageError(
          `--before takes an ISO 8601 instant such as 2026-01-31T00:00:00Z, got ${JSON.stringify(beforeText)}`,
        );
      if (before > now())
        throw new UsageError(
          `--before must not be later than now (${new Date(now()).toISOString()}): lots expire only once their expiry has passed`,
        );
    }
    const batchText = stringFlag(values, "batch-size");
    let batchSize: number | undefined;
    if (batchText !== undefined) {
      batchSize = /^\d+$/.test(batchText) ? Number(batchText) : Number.NaN;
      if (!(batchSize >= 1 && batchSize <= 500))
        throw new UsageError(
          `--batch-size takes an integer from 1 to 500, got ${JSON.stringify(batchText)}`,
        );
    }
    return { programs, before, batchSize };
  },

  async execute(params, backend, context) {
    const started = context.now();
    const before = params.before ?? started;
    const beforeIso = new Date(before).toISOString();
    const programs = params.programs ?? (await backend.programs());
    const sweeps: ProgramSweep[] = [];
    for (const program of programs) {
      const begun = context.now();
      let checked = 0;
      let found = 0;
      let reported = begun;
      context.progress(`expire ${program}: sweeping lots that expired at or before ${beforeIso}`);
      const store = observed(backend.store, {
        page(users) {
          found += users;
        },
        account() {
          checked += 1;
          const at = context.now();
          if (at - reported >= PROGRESS_EVERY_MS) {
            reported = at;
            context.progress(
              `expire ${program}: ${count(checked)} accounts checked (${count(found)} found so far)`,
            );
          }
        },
      });
      // Coin value and scale do not change what the sweep writes; scale 8
      // keeps the summary exact whatever the program's scale.
      const coins = createCoinage({
        store,
        program: { id: program, coinValue: "1", coinScale: 8 },
        clock: { now: () => new Date(context.now()) },
      });
      try {
        const result = await coins.expire({
          before: new Date(before),
          ...(params.batchSize === undefined ? {} : { batchSize: params.batchSize }),
        });
        const sweep = {
          program,
          accounts: result.accounts,
          lots: result.lots,
          coins: addDecimalStrings("0", result.coins),
          checked,
          ms: context.now() - begun,
        };
        sweeps.push(sweep);
        context.progress(
          `expire ${program}: done, ${plural(sweep.lots, "lot")} (${sweep.coins} coins) in ${plural(sweep.accounts, "account")}, ${count(checked)} checked, ${seconds(sweep.ms)}`,
        );
      } catch (error) {
        const code = isCoinageError(error) ? error.code : "FAILED";
        sweeps.push({
          program,
          error: { code, message: messageOf(error) },
          checked,
          ms: context.now() - begun,
        });
        context.progress(
          `expire ${program}: failed after ${plural(checked, "account")} checked: ${messageOf(error)} (lots expired before the failure stay expired; run again to finish)`,
        );
      }
    }

    let accounts = 0;
    let lots = 0;
    let coinsTotal = "0";
    const failed: string[] = [];
    for (const sweep of sweeps) {
      if ("error" in sweep) {
        failed.push(sweep.program);
        continue;
      }
      accounts += sweep.accounts;
      lots += sweep.lots;
      coinsTotal = addDecimalStrings(coinsTotal, sweep.coins);
    }
    const elapsed = seconds(context.now() - started);
    const text: string[] = [];
    if (programs.length === 0)
      text.push("nothing to expire: the store holds no accounts of any program");
    else
      text.push(
        `expired ${plural(lots, "lot")} (${coinsTotal} coins) in ${plural(accounts, "account")} of ${plural(programs.length - failed.length, "program")}, before ${beforeIso}, in ${elapsed}`,
      );
    for (const sweep of sweeps)
      if ("error" in sweep)
        text.push(`failed: ${sweep.program}: ${sweep.error.code}: ${sweep.error.message}`);
    return {
      ok: failed.length === 0,
      json: {
        before: beforeIso,
        programs: sweeps,
        total: { accounts, lots, coins: coinsTotal },
      },
      text,
    };
  },
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `store`, telling `hooks` of every page of the sweep and every account it commits. */
function observed(store: Store, hooks: { page(users: number): void; account(): void }): Store {
  const findExpiring: Store["findExpiring"] = async (programId, before, page) => {
    const users = await store.findExpiring(programId, before, page);
    hooks.page(users.length);
    return users;
  };
  const execute = async <T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>> => {
    try {
      return await store.execute(command);
    } finally {
      hooks.account();
    }
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === "findExpiring") return findExpiring;
      if (key === "execute") return execute;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
