/**
 * Rounding modes as named functions of one type. Each rounds a decimal to
 * `scale` decimal places. Coinage rounds once, at the end of a computation.
 */
import { Dec } from "./decimal.js";

export type Rounding = (value: Dec, scale: number) => Dec;

/** Toward zero. Never creates coins. */
export const down: Rounding = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_DOWN);
/** Away from zero. */
export const up: Rounding = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_UP);
/** To nearest; ties away from zero. */
export const halfUp: Rounding = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_HALF_UP);
/** To nearest; ties to the even neighbour (banker's rounding). */
export const halfEven: Rounding = (value, scale) =>
  value.toDecimalPlaces(scale, Dec.ROUND_HALF_EVEN);

export const roundings = { down, up, halfUp, halfEven } as const;
export type RoundingMode = keyof typeof roundings;

export function isRoundingMode(value: unknown): value is RoundingMode {
  return typeof value === "string" && Object.hasOwn(roundings, value);
}
