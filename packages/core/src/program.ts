/**
 * A program is one tenant: its coin value, coin precision, rounding, time
 * zone and clawback policy. Every stored key is scoped by program id.
 */
import { invalidInput } from "./errors.js";
import { readInput } from "./input.js";
import { type RoundingMode, roundings } from "./money/rounding.js";
import {
  checkKeys,
  decimalStringAt,
  describe,
  has,
  Issues,
  integerAt,
  objectAt,
  oneOf,
  own,
  textAt,
} from "./rules/check.js";
import { isTimeZone } from "./time/zone.js";

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

const PROGRAM_KEYS = ["id", "coinValue", "coinScale", "rounding", "timeZone", "clawback"] as const;
const ROUNDING_MODES = Object.keys(roundings) as RoundingMode[];
const CLAWBACK_POLICIES: readonly ClawbackPolicy[] = ["debt", "cap"];

/**
 * Validate a program configuration and fill in its defaults (`coinScale` 0,
 * rounding `"down"`, time zone `"UTC"`, clawback `"debt"`). Unknown keys are
 * rejected, so a misspelt `timezone` cannot silently fall back to UTC.
 * Every problem is reported at once in one `INVALID_INPUT` error, with paths
 * such as `program.coinValue`; an input that cannot be read (a getter or
 * Proxy that throws) fails at the path it could not read.
 */
export function parseProgram(input: unknown): Program {
  const issues = new Issues();
  const obj = objectAt(readInput(input, "program"), "program", issues);
  if (obj === undefined) throw invalidInput(issues.list);
  checkKeys(obj, PROGRAM_KEYS, "program", issues);

  const id = textAt(own(obj, "id"), "program.id", issues, 200);
  const coinValue = decimalStringAt(own(obj, "coinValue"), "program.coinValue", issues, {
    min: "0",
    above: true,
  });
  const coinScale = has(obj, "coinScale")
    ? integerAt(own(obj, "coinScale"), "program.coinScale", issues, 0, 8)
    : 0;
  const rounding = has(obj, "rounding")
    ? oneOf(own(obj, "rounding"), ROUNDING_MODES, "program.rounding", issues)
    : "down";
  const clawback = has(obj, "clawback")
    ? oneOf(own(obj, "clawback"), CLAWBACK_POLICIES, "program.clawback", issues)
    : "debt";
  let timeZone: string | undefined = "UTC";
  if (has(obj, "timeZone")) {
    const value = own(obj, "timeZone");
    if (isTimeZone(value)) timeZone = value;
    else {
      timeZone = undefined;
      issues.add(
        "program.timeZone",
        `expected an IANA time zone such as "Europe/London", got ${typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : describe(value)}`,
      );
    }
  }

  if (
    issues.count > 0 ||
    id === undefined ||
    coinValue === undefined ||
    coinScale === undefined ||
    rounding === undefined ||
    clawback === undefined ||
    timeZone === undefined
  ) {
    throw invalidInput(issues.list);
  }
  return { id, coinValue, coinScale, rounding, timeZone, clawback };
}
