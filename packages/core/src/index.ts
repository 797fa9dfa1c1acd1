// Errors

export { createCoinage } from "./engine/create.js";
export { feedPartition } from "./engine/feed.js";
export type {
  CallEnd,
  CallLog,
  CallStart,
  Instrumentation,
  TracerLike,
} from "./engine/instrumentation.js";
export { logCalls, openTelemetry } from "./engine/instrumentation.js";
// Engine
export type * from "./engine/types.js";
export type { AnyCoinageError, ErrorCode, ErrorDetails, InputIssue } from "./errors.js";
export { CoinageError, errorCodes, invalidInput, isCoinageError } from "./errors.js";
export { applyChange, budgetAfter, emptySnapshot, snapshotFor } from "./ledger/apply.js";
export { ERASED_FINGERPRINT, erasedEntry, erasedRecord } from "./ledger/erase.js";
export {
  compareSpendOrder,
  isExpired,
  isPending,
  planRedemption,
  spendOrder,
  spendReach,
} from "./ledger/fifo.js";
export { canonicalJson, fingerprint } from "./ledger/fingerprint.js";
export { isOpenLot } from "./ledger/lot.js";
export { selectLots } from "./ledger/select.js";
export type { ProgramTally } from "./ledger/tally.js";
export { addTallies, isZeroTally, TALLY_FIELDS, tallyOf, ZERO_TALLY } from "./ledger/tally.js";
export { EMPTY_TOTALS } from "./ledger/totals.js";
// Ledger records and the store contract
export type * from "./ledger/types.js";
export type { DecimalInput } from "./money/decimal.js";
// Money
export {
  addDecimalStrings,
  compareDecimalStrings,
  isDecimalString,
  isExactNumber,
  isZeroDecimalString,
  subtractDecimalStrings,
} from "./money/decimal.js";
export { coinsToCurrency, currencyToCoins } from "./money/ratio.js";
export type { Rounding, RoundingMode } from "./money/rounding.js";
export { down, halfEven, halfUp, isRoundingMode, roundings, up } from "./money/rounding.js";
// Program
export type { ClawbackPolicy, Program, ProgramInput } from "./program.js";
export { parseProgram } from "./program.js";
export type { InactiveReason } from "./rules/eligibility.js";
export { eventActivity } from "./rules/eligibility.js";
export type { Level, LevelStanding, ProgramLevels } from "./rules/levels.js";
export { levelLimits, levelMultiplier, levelStanding } from "./rules/levels.js";
export { eventLimits, parseEvent, parseEventPatch } from "./rules/parse.js";
export { previewReward } from "./rules/reward.js";
// Rules
export type * from "./rules/types.js";
export type * from "./store.js";
// Time
export { resolveActivation, resolveExpiry } from "./time/dates.js";
export { periodKey, usageKey } from "./time/periods.js";
export { isTimeZone } from "./time/zone.js";
