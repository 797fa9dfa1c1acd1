/**
 * Accounts written by version 0.1 have no totals and keep their open lots in
 * a plain set. The first read of such an account (by any command, or
 * `loadAccount`) reads every open lot once, computes the totals here, and
 * writes them with the two lot indexes (`migrateAccount`); from then on the
 * account is read in bounded ranges like any other.
 */
import {
  type AccountTotals,
  addDecimalStrings,
  isZeroDecimalString,
  type Lot,
} from "@coinage/core";
import type { Context } from "./context.js";
import type { AccountKeys } from "./keys.js";
import { availMember, fifoMember, fifoScore } from "./lot-index.js";
import type { LegacyAccount } from "./reads.js";
import { migrateAccount } from "./scripts/account.js";

/**
 * The totals of an account's open lots as of `asOf`: all their remaining
 * coins, those of lots still pending then, and the earliest instant at which
 * one expires (any expiry, past ones included) or becomes available (after
 * `asOf`).
 */
export function totalsAt(open: readonly Lot[], asOf: number): AccountTotals {
  let sum = "0";
  let pending = "0";
  let next: number | null = null;
  const consider = (at: number) => {
    if (next === null || at < next) next = at;
  };
  for (const lot of open) {
    sum = addDecimalStrings(sum, lot.remaining);
    if (lot.availableAt > asOf) {
      pending = addDecimalStrings(pending, lot.remaining);
      consider(lot.availableAt);
    }
    if (lot.expiresAt !== null) consider(lot.expiresAt);
  }
  return { open: sum, pending, asOf, nextChangeAt: next };
}

/**
 * The instant a migrated account's totals are for: that of its newest entry
 * (its last commit), or of its latest lot without entries. Lots that became
 * available since are read as activated lots by the next command.
 */
export function migrationInstant(legacy: LegacyAccount, open: readonly Lot[]): number {
  if (legacy.lastEntryAt !== null) return legacy.lastEntryAt;
  let latest = 0;
  for (const lot of open) if (lot.earnedAt > latest) latest = lot.earnedAt;
  return latest;
}

/** Migrates one account of version 0.1; a no-op when another caller did it first. */
export async function migrate(
  ctx: Context,
  account: AccountKeys,
  legacy: LegacyAccount,
  operation: string,
): Promise<void> {
  const open = legacy.lots.filter((lot) => !isZeroDecimalString(lot.remaining));
  const totals = totalsAt(open, migrationInstant(legacy, open));
  const args: (string | number)[] = [
    String(legacy.version),
    totals.open,
    totals.pending,
    String(totals.asOf),
    totals.nextChangeAt === null ? "" : String(totals.nextChangeAt),
  ];
  for (const lot of open)
    args.push(fifoMember(lot), availMember(lot), fifoScore(lot), String(lot.availableAt));
  await ctx.scripts.run(
    operation,
    migrateAccount,
    [account.head, account.fifo, account.avail, account.legacyOpen],
    args,
  );
}
