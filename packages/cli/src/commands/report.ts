/**
 * `coinage report`: per program, the coins users hold at one instant
 * (available, pending, their sum: outstanding), the debt booked by
 * reversals, and the currency value of the outstanding coins. The figures
 * are the sums of what `balance` answers for every account.
 */
import { addDecimalStrings, coinsToCurrency, parseProgram } from "@coinage/core";
import { type CoinValues, parseCoinValues } from "../coin-values.js";
import { type Command, count, programsFlag, stringsFlag } from "./command.js";

interface ReportParams {
  readonly programs: readonly string[] | undefined;
  readonly coinValues: CoinValues;
}

export const reportCommand: Command<ReportParams> = {
  name: "report",
  summary: "outstanding coins and their value, per program",
  flags: {
    program: { type: "string", multiple: true },
    "coin-value": { type: "string", multiple: true },
  },
  help: [
    "  --program <id>         report this program (repeatable); default: every program with accounts",
    "  --coin-value <v>       currency per coin, for the value column: <decimal> for every program,",
    "                         or <program>=<decimal> (repeatable); default: $COINAGE_PROGRAMS,",
    "                         then $COINAGE_COIN_VALUE; without one the value is left out",
  ],
  connects: true,

  parse(values, { env }) {
    return {
      programs: programsFlag(values),
      coinValues: parseCoinValues(stringsFlag(values, "coin-value") ?? [], env),
    };
  },

  async execute(params, backend, context) {
    const at = context.now();
    const rows = await backend.outstanding(params.programs, at);
    const programs = rows.map((row) => {
      const outstanding = addDecimalStrings(row.available, row.pending);
      const coinValue = params.coinValues.of(row.program) ?? null;
      const value =
        coinValue === null
          ? null
          : coinsToCurrency(outstanding, parseProgram({ id: row.program, coinValue }));
      return { ...row, outstanding, coinValue, value };
    });

    const header = [
      "program",
      "accounts",
      "holders",
      "available",
      "pending",
      "outstanding",
      "debt",
      "value",
    ];
    const cells = programs.map((p) => [
      p.program,
      count(p.accounts),
      count(p.holders),
      p.available,
      p.pending,
      p.outstanding,
      p.debt,
      p.value ?? "?",
    ]);
    const text = [`coins as of ${new Date(at).toISOString()}`];
    if (programs.length === 0) text.push("no programs: the store holds no accounts");
    else text.push(...table([header, ...cells]));
    if (programs.some((p) => p.value === null))
      text.push("value ?: no coin value given for the program (--coin-value)");
    return { ok: true, json: { at: new Date(at).toISOString(), programs }, text };
  },
};

/** Columns padded to their widest cell: text left, figures right. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
