// Errors
export { CoinageError, errorCodes, invalidInput } from "./errors.js";
export type { ErrorCode, ErrorDetails, InputIssue } from "./errors.js";

// Money
export { isExactNumber, isDecimalString, addDecimalStrings, compareDecimalStrings } from "./money/decimal.js";
export type { DecimalInput } from "./money/decimal.js";
export { down, up, halfUp, halfEven, roundings, isRoundingMode } from "./money/rounding.js";
export type { Rounding, RoundingMode } from "./money/rounding.js";
export { currencyToCoins, coinsToCurrency } from "./money/ratio.js";

// Program
export type { Program, ProgramInput, ClawbackPolicy } from "./program.js";
export { parseProgram } from "./program.js";

// Rules
export type * from "./rules/types.js";
export { parseEvent, parseEventPatch, eventLimits } from "./rules/parse.js";
export { previewReward } from "./rules/reward.js";
export { eventActivity } from "./rules/eligibility.js";
export type { InactiveReason } from "./rules/eligibility.js";

// Time
export { resolveExpiry, resolveActivation } from "./time/dates.js";
export { periodKey, usageKey } from "./time/periods.js";
export { isTimeZone } from "./time/zone.js";

// Ledger records and the store contract
export type * from "./ledger/types.js";
export type * from "./store.js";

// Engine
export type * from "./engine/types.js";
export { applyChange, emptySnapshot } from "./ledger/apply.js";
export { createCoinage } from "./engine/create.js";
export { fingerprint, canonicalJson, sha256Hex } from "./ledger/fingerprint.js";
export { planRedemption, spendOrder, compareSpendOrder } from "./ledger/fifo.js";
