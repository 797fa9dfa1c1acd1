/**
 * A program is one tenant: its coin value, coin precision, rounding, time
 * zone and clawback policy. Every stored key is scoped by program id.
 */
import { invalidInput } from "./errors.js";
import { readInput } from "./input.js";
import { type RoundingMode, roundings } from "./money/rounding.js";
import { describe, Issues } from "./rules/check.js";
import { levelsShape } from "./rules/levels.js";
import {
  decimal,
  enumOf,
  type In,
  integer,
  leaf,
  type Out,
  object,
  optional,
  parseShape,
  text,
  withDefault,
} from "./rules/shape.js";
import { isTimeZone } from "./time/zone.js";

/** An IANA time zone name that this runtime knows. */
export const timeZoneShape = leaf<string>((value, path, ctx) =>
  isTimeZone(value)
    ? value
    : ctx.issues.add(
        path,
        `expected an IANA time zone such as "Europe/London", got ${typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : describe(value)}`,
      ),
);

/**
 * The one definition of a program (see `rules/shape.ts`): `ProgramInput`,
 * `Program`, `parseProgram` and the JSON Schema in
 * `@coinage/core/json-schema` are derived from it.
 */
export const programShape = object(
  {
    /** Tenant id; scopes every stored key. */
    id: text(200),
    /** Currency per coin as a decimal string, e.g. `"0.25"`. */
    coinValue: decimal({ min: "0", above: true }),
    /** Decimal places of a coin; 0 (whole coins) by default. At most 8. */
    coinScale: withDefault(integer(0, 8), 0),
    /** Rounding of earned coins; `"down"` by default. */
    rounding: withDefault(enumOf(Object.keys(roundings) as RoundingMode[]), "down"),
    /** IANA time zone for calendar expiry and per-period caps; `"UTC"` by default. */
    timeZone: withDefault(timeZoneShape, "UTC"),
    /** What happens when a reversal finds too few coins: `"debt"` (default) or `"cap"` (forgive). */
    clawback: withDefault(enumOf(["debt", "cap"]), "debt"),
    /**
     * Member levels: a ladder of levels reached by coins earned in the
     * trailing calendar months (see `coins.level`). None by default.
     */
    levels: optional(levelsShape),
  },
  { last: "timeZone" },
);

/** Clawback policy for reversals that find too few coins left. */
export type ClawbackPolicy = Program["clawback"];

/** What a caller passes to configure a program. */
export type ProgramInput = In<typeof programShape>;

/** A validated program with every default filled in. */
export interface Program extends Out<typeof programShape> {}

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
  const program = parseShape(programShape, readInput(input, "program"), "program", issues);
  if (program === undefined || issues.count > 0) throw invalidInput(issues.list);
  return program;
}
