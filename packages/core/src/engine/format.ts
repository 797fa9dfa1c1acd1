/** Turning ledger figures into the engine's public result shapes. */

import type { BalanceFigures } from "../ledger/balance.js";
import type { Entry, RequestRecord } from "../ledger/types.js";
import { Dec } from "../money/decimal.js";
import { canonicalDecimal, coinsToCurrency, coinValueOf } from "../money/ratio.js";
import type { Program } from "../program.js";
import type { LevelStanding, ProgramLevels } from "../rules/levels.js";
import { formatInstant } from "../time/instant.js";
import { termsOf, withoutTerms } from "./refund.js";
import type { Balance, HistoryEntry, MemberLevel, RequestStatus } from "./types.js";

/** A balance (from `balanceAt`, or a draft's `balance()`) as the engine returns it. */
export function formatBalance(
  program: Program,
  userId: string,
  figures: BalanceFigures,
  at: number,
): Balance {
  const available = coinText(figures.available, program);
  return {
    userId,
    available,
    pending: coinText(figures.pending, program),
    debt: coinText(figures.debt, program),
    value: currencyOf(figures.available, available, program),
    nextExpiry:
      figures.nextExpiry === null
        ? null
        : {
            at: formatInstant(figures.nextExpiry.at),
            coins: coinText(figures.nextExpiry.coins, program),
          },
    asOf: formatInstant(at),
  };
}

/** Coins as the engine returns them: at the program's coin scale. */
export function coinText(coins: Dec, program: Program): string {
  return canonicalDecimal(coins, program.coinScale);
}

/**
 * `coinsToCurrency(text, program)` for coins `text` was written from at the
 * program's coin scale: from the decimal itself when it is the same number,
 * without parsing the text back.
 */
export function currencyOf(coins: Dec, text: string, program: Program): string {
  if (coins.decimalPlaces() > program.coinScale) return coinsToCurrency(text, program);
  return canonicalDecimal(coins.mul(coinValueOf(program)));
}

export function formatEntry(entry: Entry): HistoryEntry {
  return {
    seq: entry.seq,
    type: entry.type,
    coins: entry.coins,
    balanceAfter: entry.balanceAfter,
    debtAfter: entry.debtAfter,
    requestId: entry.requestId,
    // The stored `before` of each movement is the engine's, for balances in the past.
    lots: entry.lots.map((move) => ({ lotId: move.lotId, coins: move.coins })),
    event: entry.eventId,
    at: formatInstant(entry.at),
    reason: entry.reason,
  };
}

export function iso(at: number | null): string | null {
  return at === null ? null : formatInstant(at);
}

/** A request record as `request(requestId)` returns it (its fingerprint stays inside). */
export function formatRequest(program: Program, record: RequestRecord): RequestStatus {
  const terms = record.kind === "allocate" ? termsOf(record.result) : undefined;
  return {
    requestId: record.requestId,
    kind: record.kind,
    userId: record.userId,
    at: formatInstant(record.at),
    coins: coinText(new Dec(record.coins), program),
    reversed: coinText(new Dec(record.reversed), program),
    ...(terms === undefined ? {} : { amount: terms.amount, refunded: terms.refunded }),
    result: withoutTerms(record.result),
  } as RequestStatus;
}

/** A member's standing as `level(userId)` returns it; `keys` are the window's counter keys, newest first. */
export function formatLevel(
  program: Program,
  userId: string,
  levels: ProgramLevels,
  standing: LevelStanding & { readonly qualifying: Dec },
  keys: readonly string[],
  at: Date,
): MemberLevel {
  const monthOf = (key: string | undefined) => (JSON.parse(key ?? "[]") as string[])[1] ?? "";
  const next = standing.next;
  return {
    userId,
    level: standing.level,
    qualifying: coinText(standing.qualifying, program),
    window: { months: levels.months, first: monthOf(keys.at(-1)), last: monthOf(keys[0]) },
    next:
      next === null
        ? null
        : {
            level: next.id,
            from: next.from,
            missing: coinText(new Dec(next.from).minus(standing.qualifying), program),
          },
    asOf: formatInstant(at.getTime()),
  };
}
