import { describe, expect, expectTypeOf, test } from "vitest";
import { CoinageError, type InputIssue } from "../errors.js";
import {
  coinEventSchema,
  eventInputSchema,
  eventPatchSchema,
  type JsonSchema,
  type JsonSchemaContext,
  programInputSchema,
  programSchema,
} from "../json-schema.js";
import { type ProgramInput, parseProgram } from "../program.js";
import { Issues } from "./check.js";
import { eventShape } from "./event-shape.js";
import { parseEvent } from "./parse.js";
import {
  enumOf,
  type In,
  integer,
  type Out,
  object,
  optional,
  parseShape,
  text,
  withDefault,
} from "./shape.js";
import type { CoinEvent, EventInput, EventPatch, RewardRule } from "./types.js";

function issues(fn: () => unknown): InputIssue[] {
  try {
    fn();
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT")) return [...error.details.issues];
    throw error;
  }
  return [];
}

const fixed = { kind: "fixed", coins: "100" } as const;

describe("combinators", () => {
  const item = object({
    name: text(5),
    size: optional(integer(1, 3)),
    kind: withDefault(enumOf(["a", "b"]), "a"),
  });

  test("parse: unknown keys first, then each field at its path, defaults filled in", () => {
    const bag = new Issues();
    expect(parseShape(item, { name: "x" }, "", bag)).toEqual({ name: "x", kind: "a" });
    expect(bag.list).toEqual([]);
    const bad = new Issues();
    expect(parseShape(item, { size: 4, kind: "c", extra: 1 }, "item", bad)).toBeUndefined();
    expect(bad.list).toEqual([
      { path: "item.extra", message: "unknown key; expected one of name, size, kind" },
      { path: "item.name", message: "is required" },
      { path: "item.size", message: "must be between 1 and 3" },
      { path: "item.kind", message: 'expected one of "a", "b", got "c"' },
    ]);
  });

  test("types: In is what a caller passes, Out what parsing returns", () => {
    expectTypeOf<In<typeof item>>().toEqualTypeOf<{
      readonly name: string;
      readonly size?: number | undefined;
      readonly kind?: "a" | "b" | undefined;
    }>();
    expectTypeOf<Out<typeof item>>().toEqualTypeOf<{
      readonly name: string;
      readonly kind: "a" | "b";
      readonly size?: number;
    }>();
  });
});

describe("types derived from the event's definition", () => {
  test("a well-formed event compiles, numbers where exact included", () => {
    const input: EventInput = {
      id: "tiered",
      reward: {
        kind: "tiered",
        tiers: [
          { from: 0, percent: "5" },
          { from: "10000", coins: 50 },
        ],
      },
      promotions: [
        { id: "x2", multiplier: 2, from: "2026-11-27T00:00:00Z", until: "2026-12-01T00:00:00Z" },
      ],
      caps: { perUser: [{ coins: "100", period: "month" }] },
      expiry: { endOf: "year", plus: 1 },
      activation: "immediately",
      metadata: { campaign: "q4" },
    };
    expect(parseEvent(input).reward.kind).toBe("tiered");
    // What parsing returns can be sent again.
    const again: EventInput = parseEvent(input);
    expect(again.id).toBe("tiered");
  });

  test("mistakes fail to compile, and fail at run time too", () => {
    const typos: unknown[] = [
      // @ts-expect-error: the unit is `days`
      { id: "a", reward: fixed, expiry: { day: 90 } } satisfies EventInput,
      // @ts-expect-error: no such reward kind
      { id: "b", reward: { kind: "bonus", coins: "5" } } satisfies EventInput,
      // @ts-expect-error: days is a number
      { id: "c", reward: fixed, expiry: { days: "90" } } satisfies EventInput,
      {
        id: "d",
        // @ts-expect-error: a tier pays a percent or coins, not both
        reward: { kind: "tiered", tiers: [{ from: 0, percent: 1, coins: 1 }] },
      } satisfies EventInput,
      // @ts-expect-error: a percentage reward has a percent
      { id: "e", reward: { kind: "percentage", coins: "5" } } satisfies EventInput,
      {
        id: "f",
        reward: fixed,
        // @ts-expect-error: not a cap period
        caps: { perUser: [{ coins: 1, period: "hour" }] },
      } satisfies EventInput,
    ];
    for (const typo of typos) expect(issues(() => parseEvent(typo)).length).toBeGreaterThan(0);
  });

  test("coinage sets the version: an input has none", () => {
    // @ts-expect-error: not a field of an input
    const versioned: EventInput = { id: "g", reward: fixed, version: 3 };
    expect(parseEvent(versioned).version).toBe(3);
  });

  test("patches: null removes an optional field only; id and version are not fields of a patch", () => {
    const patches: EventPatch[] = [{ caps: null, expiry: { days: 30 } }, { name: "Renamed" }];
    expect(patches).toHaveLength(2);
    // @ts-expect-error: reward cannot be removed
    const removeReward: EventPatch = { reward: null };
    // @ts-expect-error: id cannot be patched
    const rename: EventPatch = { id: "other" };
    expect([removeReward, rename]).toHaveLength(2);
  });

  test("the output types keep their names and literal unions", () => {
    expectTypeOf<CoinEvent["status"]>().toEqualTypeOf<"active" | "paused" | "archived">();
    expectTypeOf<RewardRule["kind"]>().toEqualTypeOf<"fixed" | "percentage" | "tiered">();
    expectTypeOf<CoinEvent["version"]>().toEqualTypeOf<number>();
    expectTypeOf<"never">().toMatchTypeOf<NonNullable<CoinEvent["expiry"]>>();
    expectTypeOf<{ readonly at: string }>().toMatchTypeOf<NonNullable<CoinEvent["expiry"]>>();
  });

  test("program input", () => {
    const program: ProgramInput = { id: "shop", coinValue: 0.25, rounding: "halfUp" };
    expect(parseProgram(program).rounding).toBe("halfUp");
    // @ts-expect-error: coinScale is a number
    const typo: ProgramInput = { id: "shop", coinValue: "1", coinScale: "2" };
    expect(issues(() => parseProgram(typo)).map((i) => i.path)).toEqual(["program.coinScale"]);
  });
});

describe("JSON Schema from the same definition", () => {
  const properties = (schema: JsonSchema) => Object.keys(schema.properties as object);

  test("the event's fields, required ones and no others", () => {
    const input = eventInputSchema();
    expect(properties(input)).toEqual(eventShape.keys.filter((key) => key !== "version"));
    expect(input.required).toEqual(["id", "reward"]);
    expect(input.additionalProperties).toBe(false);
    const output = coinEventSchema();
    expect(properties(output)).toEqual(eventShape.keys);
    expect(output.required).toEqual(["id", "name", "status", "reward", "version"]);
  });

  test("what the schema requires is what the parser requires", () => {
    const input = eventInputSchema();
    for (const key of input.required as string[]) {
      const event: Record<string, unknown> = { id: "x", reward: fixed };
      delete event[key];
      expect(issues(() => parseEvent(event)).map((i) => i.path)).toEqual([key]);
    }
  });

  test("enums and bounds come from the definition", () => {
    const input = eventInputSchema() as {
      properties: Record<string, JsonSchema & { enum?: string[] }>;
    };
    expect(input.properties.status?.enum).toEqual(["active", "paused", "archived"]);
    expect(input.properties.status?.default).toBe("active");
    for (const status of input.properties.status?.enum ?? []) {
      expect(parseEvent({ id: "x", reward: fixed, status }).status).toBe(status);
    }
    expect(input.properties.id).toMatchObject({ type: "string", minLength: 1, maxLength: 200 });
    expect(input.properties.minAmount).toMatchObject({ type: ["string", "number"], minimum: 0 });
  });

  test("named parts render once into components and are referred to", () => {
    const context: JsonSchemaContext = { components: new Map() };
    const input = eventInputSchema(context) as { properties: Record<string, JsonSchema> };
    expect(input.properties.reward).toEqual({
      $ref: "#/components/schemas/RewardRuleInput",
      description: "How many coins an allocation earns.",
    });
    coinEventSchema(context);
    expect([...context.components.keys()].sort()).toEqual(
      [
        "ActivationRule",
        "ActivationRuleInput",
        "At",
        "AtInput",
        "Caps",
        "CapsInput",
        "Duration",
        "DurationInput",
        "EndOf",
        "EndOfInput",
        "EventWindow",
        "EventWindowInput",
        "ExpiryRule",
        "ExpiryRuleInput",
        "FixedReward",
        "FixedRewardInput",
        "PerUserCap",
        "PerUserCapInput",
        "PercentageReward",
        "PercentageRewardInput",
        "Promotion",
        "PromotionInput",
        "RewardRule",
        "RewardRuleInput",
        "Tier",
        "TierInput",
        "TieredReward",
        "TieredRewardInput",
      ].sort(),
    );
    expect(context.components.get("TierInput")).toMatchObject({
      required: ["from"],
      oneOf: [{ required: ["percent"] }, { required: ["coins"] }],
    });
    expect(context.components.get("ExpiryRuleInput")).toMatchObject({
      anyOf: [
        { const: "never" },
        { $ref: "#/components/schemas/AtInput" },
        { $ref: "#/components/schemas/EndOfInput" },
        { $ref: "#/components/schemas/DurationInput" },
      ],
    });
  });

  test("a patch: every field but id and version, null for the removable ones", () => {
    const patch = eventPatchSchema() as {
      properties: Record<string, JsonSchema>;
      required?: unknown;
    };
    expect(Object.keys(patch.properties)).toEqual(
      eventShape.keys.filter((key) => key !== "id" && key !== "version"),
    );
    expect(patch.required).toBeUndefined();
    expect(patch.properties.caps).toMatchObject({ anyOf: [{}, { type: "null" }] });
    expect(patch.properties.reward?.anyOf).toBeUndefined();
  });

  test("the program", () => {
    const input = programInputSchema();
    expect(properties(input)).toEqual([
      "id",
      "coinValue",
      "coinScale",
      "rounding",
      "timeZone",
      "clawback",
      "levels",
    ]);
    expect(input.required).toEqual(["id", "coinValue"]);
    // Every field has a value once parsed, except the optional levels.
    expect(programSchema().required).toEqual(properties(input).filter((key) => key !== "levels"));
    expect((input.properties as Record<string, unknown>).levels).toMatchObject({ type: "object" });
  });
});
