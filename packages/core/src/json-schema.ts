/**
 * `@coinage/core/json-schema`: JSON Schema (2020-12, the dialect of OpenAPI
 * 3.1) rendered from the same definitions `parseEvent` and `parseProgram`
 * run, so a document cannot describe other shapes than core enforces.
 *
 * A schema describes the structure: types, enums, bounds, required and
 * unknown fields. Rules across fields (tiers sorted, promotion ids unique,
 * expiry after activation) are only in the parser, and in the descriptions.
 *
 * An entry point of its own: the renderer and its descriptions stay out of
 * the browser bundle of `@coinage/core`.
 */

import { programShape, timeZoneShape } from "./program.js";
import {
  activationShape,
  atShape,
  capsShape,
  durationShape,
  endOfShape,
  eventShape,
  eventWindowShape,
  expiryShape,
  fixedRewardShape,
  metadataShape,
  percentageRewardShape,
  perUserCapShape,
  promotionShape,
  rewardShape,
  tieredRewardShape,
  tierShape,
} from "./rules/event-shape.js";
import type {
  ArrayShape,
  DecimalShape,
  EnumShape,
  Field,
  IntegerShape,
  LeafShape,
  ObjectNode,
  Shape,
  TaggedShape,
  TextShape,
  UnionShape,
} from "./rules/shape.js";
import { shapeOf } from "./rules/shape.js";

export type JsonSchema = { readonly [key: string]: unknown };

/**
 * Collects the named parts (`RewardRule`, `Promotion`, …) while rendering:
 * each is rendered once into `components` and referred to by `$ref`
 * (`#/components/schemas/<name>` unless `refPrefix` says otherwise). Without
 * a context, everything is inline.
 */
export interface JsonSchemaContext {
  readonly components: Map<string, JsonSchema>;
  /** `"#/components/schemas/"` (OpenAPI) by default; `"#/$defs/"` for a standalone schema. */
  readonly refPrefix?: string;
}

/** `input`: what a caller may send (numbers where exact, defaults optional); `output`: what core returns. */
type Mode = "input" | "output";

/** A coin event as `events.create`, `events.upsert` and `parseEvent` accept it. */
export function eventInputSchema(context?: JsonSchemaContext): JsonSchema {
  const { version: _version, ...properties } = eventProperties("input", context);
  return objectSchema(
    properties,
    requiredOf(eventShape, "input").filter((key) => key !== "version"),
    "A coin event to create; coinage sets its version.",
  );
}

/**
 * Fields to change in `events.update`: each replaces the stored field
 * whole; `null` removes an optional one; `id` and `version` cannot change.
 */
export function eventPatchSchema(context?: JsonSchemaContext): JsonSchema {
  const { id: _id, version: _version, ...properties } = eventProperties("input", context);
  const patch: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const field = eventShape.fields[key as keyof typeof eventShape.fields] as Field;
    patch[key] = "optional" in field ? { anyOf: [schema, { type: "null" }] } : schema;
  }
  return objectSchema(
    patch,
    [],
    "Fields to change; each replaces the stored field whole, `null` removes an optional one.",
  );
}

/** A coin event as core returns it (`events.get`, `parseEvent`): canonical, defaults filled in. */
export function coinEventSchema(context?: JsonSchemaContext): JsonSchema {
  return objectSchema(
    eventProperties("output", context),
    requiredOf(eventShape, "output"),
    "A coin event in canonical form.",
  );
}

/** A program configuration as `createCoinage` and `parseProgram` accept it. */
export function programInputSchema(context?: JsonSchemaContext): JsonSchema {
  return render(programShape, "input", context, true);
}

/** A program as `parseProgram` returns it, every default filled in. */
export function programSchema(context?: JsonSchemaContext): JsonSchema {
  return render(programShape, "output", context, true);
}

/**
 * The named parts: each is rendered once into the context's components. The
 * names, like the descriptions, are kept here rather than in the
 * definitions, which the browser bundle carries.
 */
const NAMES = new Map<Shape, string>([
  [programShape, "Program"],
  [rewardShape, "RewardRule"],
  [fixedRewardShape, "FixedReward"],
  [percentageRewardShape, "PercentageReward"],
  [tieredRewardShape, "TieredReward"],
  [tierShape, "Tier"],
  [promotionShape, "Promotion"],
  [capsShape, "Caps"],
  [perUserCapShape, "PerUserCap"],
  [eventWindowShape, "EventWindow"],
  [expiryShape, "ExpiryRule"],
  [activationShape, "ActivationRule"],
  [durationShape, "Duration"],
  [endOfShape, "EndOf"],
  [atShape, "At"],
]);

/** The shapes with a parser of their own. */
const LEAVES = new Map<Shape, JsonSchema>([
  [metadataShape, { type: "object" }],
  [timeZoneShape, { type: "string", minLength: 1 }],
]);

/** What the parser checks beyond each field, where JSON Schema can say it. */
const EXTRAS: Readonly<Record<string, JsonSchema>> = {
  Duration: { minProperties: 1 },
  EventWindow: { minProperties: 1 },
};

/**
 * Descriptions, by the name of a part or `Name.field`.
 */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  "CoinEvent.id": "Unique within the program.",
  "CoinEvent.name": "A label; the id by default.",
  "CoinEvent.status": 'Only an "active" event earns coins; "active" by default.',
  "CoinEvent.reward": "How many coins an allocation earns.",
  "CoinEvent.promotions": "Multipliers, each active in [from, until); ids are unique.",
  "CoinEvent.stack": 'How several active promotions combine; "max" by default.',
  "CoinEvent.minAmount": "Transactions below this amount earn nothing.",
  "CoinEvent.metadata": "Free-form labels for the caller (JSON values only).",
  "CoinEvent.version": "Bumped by every update; 1 on creation.",
  RewardRule: "A fixed, percentage or tiered reward, told apart by `kind`.",
  FixedReward: "N coins per allocation.",
  PercentageReward:
    "P percent of the transaction amount, converted to coins at the program's coin value.",
  TieredReward:
    "Tiers by transaction amount, sorted by `from` (the first from 0). `flat` (the default): the whole amount at the tier it falls in; `progressive`: each slice at its own tier's rate (percent tiers only).",
  Tier: "A tier starts at `from` (inclusive, in currency) and pays a percent or a flat number of coins.",
  Promotion: "A multiplier (e.g. 2 for double coins) active in [from, until).",
  Caps: "Most coins per allocation, per user and period (calendar periods in the program's time zone), and in total across all users.",
  PerUserCap: "Most coins one user can earn from the event per period; one cap per period.",
  EventWindow: "Allocations are accepted only inside [from, until).",
  ExpiryRule: 'When earned coins expire; "never" by default.',
  ActivationRule: 'When earned coins become spendable; "immediately" by default.',
  Duration:
    "A duration after the earning instant (calendar arithmetic in the program's time zone); at least one unit greater than 0.",
  EndOf: "The end of the current calendar unit (weeks start on Monday), plus N more units.",
  At: "A fixed instant.",
  Program: "One tenant: its coin value, coin precision, rounding, time zone and clawback policy.",
  "Program.id": "Tenant id; scopes every stored key.",
  "Program.coinValue": "Currency per coin, e.g. 0.25.",
  "Program.coinScale": "Decimal places of a coin; 0 (whole coins) by default.",
  "Program.rounding": "Rounding of earned coins.",
  "Program.timeZone": "IANA time zone for calendar expiry and per-period caps.",
  "Program.clawback":
    'What happens when a reversal finds too few coins: "debt" (default) or "cap" (forgive).',
};

function eventProperties(mode: Mode, context?: JsonSchemaContext): Record<string, JsonSchema> {
  return propertiesOf(eventShape, mode, context, "CoinEvent");
}

function objectSchema(
  properties: Record<string, JsonSchema>,
  required: readonly string[],
  description?: string,
): JsonSchema {
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required: [...required] } : {}),
    additionalProperties: false,
    ...(description === undefined ? {} : { description }),
  };
}

/** The fields an object needs: in input, those without a default; in output, all but the optional ones. */
function requiredOf(shape: ObjectNode, mode: Mode): string[] {
  return Object.keys(shape.fields).filter((key) => {
    const field = shape.fields[key] as Field;
    return mode === "input" ? "kind" in field : !("optional" in field);
  });
}

function propertiesOf(
  shape: ObjectNode,
  mode: Mode,
  context: JsonSchemaContext | undefined,
  owner: string | undefined,
): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {};
  const all: Record<string, Field> = { ...shape.fields, ...shape.one };
  for (const key of shape.keys) {
    const field = all[key] as Field;
    let schema = render(shapeOf(field), mode, context);
    const description = owner === undefined ? undefined : DESCRIPTIONS[`${owner}.${key}`];
    if (description !== undefined) schema = { ...schema, description };
    // A default that needs no other field is a constant: the schema's `default`.
    const value = mode === "input" && "fill" in field ? field.fill({}) : undefined;
    if (value !== undefined) schema = { ...schema, default: value };
    properties[key] = schema;
  }
  return properties;
}

/** `shape` as JSON Schema; a named part becomes a `$ref` into the context, unless it is the root. */
function render(
  shape: Shape,
  mode: Mode,
  context: JsonSchemaContext | undefined,
  root = false,
): JsonSchema {
  const name = NAMES.get(shape);
  if (name === undefined || context === undefined || root) return body(shape, mode, context);
  const key = mode === "input" ? `${name}Input` : name;
  if (!context.components.has(key)) {
    // Reserve the name first, so a part that refers to itself terminates.
    context.components.set(key, {});
    context.components.set(key, body(shape, mode, context));
  }
  return { $ref: `${context.refPrefix ?? "#/components/schemas/"}${key}` };
}

/** The pattern of a decimal string as core reads it, and as it writes one. */
const DECIMAL_INPUT = "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)$";
const DECIMAL_OUTPUT = "^-?\\d+(\\.\\d*[1-9])?$";
/** An ISO-8601 instant with a zone, as `parseInstant` reads it (calendar checks aside). */
const INSTANT_INPUT =
  "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})$";

function body(shape: Shape, mode: Mode, context: JsonSchemaContext | undefined): JsonSchema {
  const name = NAMES.get(shape);
  const described = (schema: JsonSchema): JsonSchema => {
    const description = name === undefined ? undefined : DESCRIPTIONS[name];
    return description === undefined ? schema : { ...schema, description };
  };
  const known = shape as KnownShape;
  switch (known.kind) {
    case "text":
      return { type: "string", minLength: 1, maxLength: known.max };
    case "decimal": {
      const bounds = {
        ...(known.min === undefined
          ? {}
          : known.above
            ? { exclusiveMinimum: Number(known.min) }
            : { minimum: Number(known.min) }),
        ...(known.max === undefined ? {} : { maximum: Number(known.max) }),
      };
      return mode === "input"
        ? { type: ["string", "number"], pattern: DECIMAL_INPUT, ...bounds }
        : { type: "string", pattern: DECIMAL_OUTPUT };
    }
    case "integer":
      return { type: "integer", minimum: known.min, maximum: known.max };
    case "enum":
      return known.values.length === 1
        ? { type: "string", const: known.values[0] }
        : { type: "string", enum: [...known.values] };
    case "instant":
      return mode === "input"
        ? { type: "string", format: "date-time", maxLength: 40, pattern: INSTANT_INPUT }
        : { type: "string", format: "date-time" };
    case "leaf":
      return { ...LEAVES.get(shape) };
    case "array":
      return {
        type: "array",
        items: render(known.item, mode, context),
        ...(known.min === undefined ? {} : { minItems: known.min }),
        maxItems: known.max,
      };
    case "object": {
      const object = objectSchema(
        propertiesOf(known, mode, context, name),
        requiredOf(known, mode),
      );
      const one = Object.keys(known.one ?? {});
      return described({
        ...object,
        ...(name === undefined ? {} : EXTRAS[name]),
        ...(one.length > 0 ? { oneOf: one.map((key) => ({ required: [key] })) } : {}),
      });
    }
    case "tagged":
      return described({
        oneOf: known.branches.map((branch) => render(branch, mode, context)),
      });
    case "union":
      return described({
        anyOf: [
          { type: "string", const: known.keyword },
          ...known.branches.map((branch) => render(branch, mode, context)),
        ],
      });
  }
}

type KnownShape =
  | TextShape
  | DecimalShape
  | IntegerShape
  | EnumShape
  | (Shape & { readonly kind: "instant" })
  | LeafShape<unknown, unknown>
  | ArrayShape
  | (Shape & ObjectNode & { readonly kind: "object" })
  | TaggedShape
  | UnionShape;
