/**
 * Member levels: the program's ladder (Silver from 10,000 coins earned in
 * the trailing months, Gold from 50,000), the level a qualifying total
 * reaches, and an event's reward multiplier per level.
 *
 * Pure: the qualifying total comes from the ledger (see
 * `engine/level-counters.ts`); here it is only compared with thresholds.
 */
import { Dec, ONE } from "../money/decimal.js";
import { array, ascending, decimal, integer, object, text, unique, withDefault } from "./shape.js";

export const levelLimits = { levels: 20, idLength: 64, months: 120, multiplier: "1000" } as const;

/** One rung of the ladder: reached at `from` coins earned in the window. */
export const levelShape = object(
  {
    id: text(levelLimits.idLength),
    /** Coins earned in the window from which a member holds this level. */
    from: decimal({ min: "0", above: true }),
  },
  {
    after: {
      id: unique("ids", "level id"),
      /** Each level above the one before. */
      from: ascending("level"),
    },
  },
);

/** A program's member levels: the ladder, lowest first, and the window it is measured over. */
export const levelsShape = object({
  /** Sorted by `from`, lowest first. */
  ladder: array(levelShape, {
    of: "{ id, from }",
    min: 1,
    tooFew: "needs at least one level",
    max: levelLimits.levels,
    tooMany: `at most ${levelLimits.levels} levels`,
  }),
  /**
   * Calendar months counted, the current one included, in the program's
   * time zone: 12 (the default) counts this month and the eleven before.
   */
  months: withDefault(integer(1, levelLimits.months), 12),
});

/** An event's multiplier for members of one level (Gold ×1.25). */
export const levelMultiplierShape = object(
  {
    level: text(levelLimits.idLength),
    multiplier: decimal({ min: "0", above: true, max: levelLimits.multiplier }),
  },
  { after: { level: unique("levels", "level") } },
);

export interface Level {
  readonly id: string;
  readonly from: string;
}

export interface ProgramLevels {
  readonly ladder: readonly Level[];
  readonly months: number;
}

/** Where a qualifying total stands on the ladder: its level (`null` below the first) and the next one. */
export interface LevelStanding {
  readonly level: string | null;
  readonly next: Level | null;
}

export function levelStanding(levels: ProgramLevels, qualifying: Dec): LevelStanding {
  let level: string | null = null;
  for (const rung of levels.ladder) {
    if (qualifying.lt(rung.from)) return { level, next: rung };
    level = rung.id;
  }
  return { level, next: null };
}

/** The multiplier an event gives members of `level` (1 when it names none for it). */
export function levelMultiplier(
  multipliers: readonly { readonly level: string; readonly multiplier: string }[] | undefined,
  level: string | null | undefined,
): Dec {
  if (multipliers === undefined || level === null || level === undefined) return ONE;
  for (const entry of multipliers) if (entry.level === level) return new Dec(entry.multiplier);
  return ONE;
}
