/**
 * A program is one tenant: its coin value, coin precision, rounding, time
 * zone and clawback policy. Every stored key is scoped by program id.
 */
import type { RoundingMode } from "./money/rounding.js";

/** Clawback policy for reversals that find too few coins left. */
export type ClawbackPolicy = "debt" | "cap";

/** What a caller passes to configure a program. */
export interface ProgramInput {
  /** Tenant id; scopes every stored key. */
  readonly id: string;
  /** Currency per coin as a decimal string, e.g. `"0.25"`. */
  readonly coinValue: string | number;
  /** Decimal places of a coin; 0 (whole coins) by default. At most 8. */
  readonly coinScale?: number;
  /** Rounding of earned coins; `"down"` by default. */
  readonly rounding?: RoundingMode;
  /** IANA time zone for calendar expiry and per-period caps; `"UTC"` by default. */
  readonly timeZone?: string;
  /** What happens when a reversal finds too few coins: `"debt"` (default) or `"cap"` (forgive). */
  readonly clawback?: ClawbackPolicy;
}

/** A validated program with every default filled in. */
export interface Program {
  readonly id: string;
  readonly coinValue: string;
  readonly coinScale: number;
  readonly rounding: RoundingMode;
  readonly timeZone: string;
  readonly clawback: ClawbackPolicy;
}
