/**
 * The ledger side of member levels: what a member earned per calendar month,
 * kept as per-account usage counters, so a level costs a command a few
 * counter reads and never a walk through the history.
 *
 * An allocation adds its coins to the counter of the month it is booked in
 * (in the program's time zone); a reversal of it takes them off that same
 * month's counter. The qualifying total at an instant is the sum of the
 * counters of the window's months: the current one and the `months − 1`
 * before it. Only allocations count: adjustments and restores do not.
 */
import { lookup } from "../dictionary.js";
import { type Dec, ZERO } from "../money/decimal.js";
import type { Program } from "../program.js";
import { type LevelStanding, levelStanding, type ProgramLevels } from "../rules/levels.js";
import { periodKey } from "../time/periods.js";

/**
 * The counter key of one month (`"2026-12"`): a two-element JSON array, so it
 * never equals a cap counter's key (three elements, see `usageKey`).
 */
export function levelKey(month: string): string {
  return JSON.stringify(["level", month]);
}

/** The month key holding `at` in the program's time zone. */
export function levelMonth(at: Date, program: Program): string {
  return periodKey("month", at, program.timeZone);
}

/** The window's counter keys at `at`: the current month's first, then each month before it. */
export function levelKeysAt(levels: ProgramLevels, at: Date, program: Program): string[] {
  const [year, month] = levelMonth(at, program).split("-").map(Number) as [number, number];
  const keys: string[] = [];
  for (let back = 0; back < levels.months; back++) {
    const index = year * 12 + (month - 1) - back;
    const y = Math.floor(index / 12);
    const m = (index % 12) + 1;
    keys.push(levelKey(`${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}`));
  }
  return keys;
}

/** Coins earned in the window, from counters read with `levelKeysAt`'s keys. */
export function qualifyingTotal(
  usage: Readonly<Record<string, string>>,
  keys: readonly string[],
): Dec {
  let total = ZERO;
  for (const key of keys) {
    const used = lookup(usage, key);
    if (used !== undefined) total = total.plus(used);
  }
  return total;
}

/** Where a member stands, from the counters of the window. */
export function standingFrom(
  levels: ProgramLevels,
  usage: Readonly<Record<string, string>>,
  keys: readonly string[],
): LevelStanding & { readonly qualifying: Dec } {
  const qualifying = qualifyingTotal(usage, keys);
  return { ...levelStanding(levels, qualifying), qualifying };
}
