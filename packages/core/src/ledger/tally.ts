/**
 * Program tallies: what one change adds to the program's running totals
 * (coins earned, redeemed, expired, reversed, restored and adjusted, and the
 * change in open coins and in debt), so a store keeps liability counters by
 * adding each commit's tally, never by scanning accounts.
 *
 * The totals hold the ledger's conservation law program-wide:
 *
 *   earned + adjusted − redeemed − expired − reversed + restored = open − debt
 *
 * because every entry's signed coins are the change of its account's booked
 * balance (remaining coins of its lots minus debt).
 */
import {
  addDecimalStrings,
  isZeroDecimalString,
  subtractDecimalStrings,
} from "../money/decimal.js";
import type { AccountChange, AccountSnapshot, EntryType } from "./types.js";

/** Program totals, or what one change adds to them. Decimal strings; `adjusted`, `open` and `debt` are signed. */
export interface ProgramTally {
  /** Coins of `earn` entries. */
  readonly earned: string;
  /** Coins of `redeem` entries (positive). */
  readonly redeemed: string;
  /** Coins of `expire` entries (positive): swept expiries, forfeits and coins that expired on restore. */
  readonly expired: string;
  /** Coins of `reverse` entries (positive): taken back or booked as debt. */
  readonly reversed: string;
  /** Coins of `restore` entries. */
  readonly restored: string;
  /** Coins of `adjust` entries, signed. */
  readonly adjusted: string;
  /** Remaining coins of open lots (swept or not). */
  readonly open: string;
  readonly debt: string;
}

export const ZERO_TALLY: ProgramTally = Object.freeze({
  earned: "0",
  redeemed: "0",
  expired: "0",
  reversed: "0",
  restored: "0",
  adjusted: "0",
  open: "0",
  debt: "0",
});

/** The tally fields in a fixed order, for stores that keep them as columns or hash fields. */
export const TALLY_FIELDS: readonly (keyof ProgramTally)[] = Object.freeze([
  "earned",
  "redeemed",
  "expired",
  "reversed",
  "restored",
  "adjusted",
  "open",
  "debt",
]);

/** The tally field of each entry type, and whether its coins count negated. */
const BY_TYPE: Record<EntryType, readonly [keyof ProgramTally, boolean]> = {
  earn: ["earned", false],
  redeem: ["redeemed", true],
  expire: ["expired", true],
  reverse: ["reversed", true],
  restore: ["restored", false],
  adjust: ["adjusted", false],
};

/** What committing `change` on top of `before` adds to the program's totals. */
export function tallyOf(
  before: Pick<AccountSnapshot, "debt" | "totals">,
  change: AccountChange,
): ProgramTally {
  const tally: Record<keyof ProgramTally, string> = { ...ZERO_TALLY };
  for (const entry of change.entries) {
    const [field, negate] = BY_TYPE[entry.type];
    tally[field] = negate
      ? subtractDecimalStrings(tally[field], entry.coins)
      : addDecimalStrings(tally[field], entry.coins);
  }
  tally.open = subtractDecimalStrings(change.totals.open, before.totals.open);
  tally.debt = subtractDecimalStrings(change.debt, before.debt);
  return tally;
}

/** `a + b`, field by field. */
export function addTallies(a: ProgramTally, b: ProgramTally): ProgramTally {
  const sum: Record<keyof ProgramTally, string> = { ...ZERO_TALLY };
  for (const field of TALLY_FIELDS) sum[field] = addDecimalStrings(a[field], b[field]);
  return sum;
}

/** Whether a tally adds nothing (a change without entries, open or debt movement). */
export function isZeroTally(tally: ProgramTally): boolean {
  return TALLY_FIELDS.every((field) => isZeroDecimalString(tally[field]));
}
