/**
 * A tiny schema builder. Each schema checks a JSON value (collecting issues
 * with their field paths) and renders itself as JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1. Request validation and `/openapi.json` are both
 * derived from these objects, so the documented shapes and the enforced
 * shapes cannot drift apart.
 */
import { isDecimalString, isExactNumber } from "@coinage/core";

/** One validation problem, in the same shape as core's `InputIssue`. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export type JSONSchema = { readonly [key: string]: unknown };

/**
 * Collects named schemas while rendering: a {@link named} schema renders as a
 * `$ref` into `components/schemas` when a context is given, inline otherwise.
 */
export interface RenderContext {
  readonly components: Map<string, JSONSchema>;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly Issue[] };

const INVALID: unique symbol = Symbol("invalid");
type Checked<T> = T | typeof INVALID;

interface Meta {
  readonly description?: string;
  readonly example?: unknown;
  readonly optional?: boolean;
}

export interface Schema<T> {
  /** Phantom field carrying the parsed type; never set at run time. */
  readonly _type?: T;
  readonly isOptional: boolean;
  /** Check `value`; returns the parsed value, or pushes issues and returns the invalid marker. */
  check(value: unknown, path: string, issues: Issue[]): Checked<T>;
  /** Every issue of `value` (empty when valid). */
  validate(value: unknown): Issue[];
  parse(value: unknown): ParseResult<T>;
  toJSONSchema(context?: RenderContext): JSONSchema;
  describe(description: string): this;
  example(example: unknown): this;
}

export interface OptionalSchema<T> extends Schema<T> {
  readonly isOptional: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function make<T>(
  run: (value: unknown, path: string, issues: Issue[]) => Checked<T>,
  json: (context?: RenderContext) => JSONSchema,
  meta: Meta = {},
): Schema<T> {
  const schema: Schema<T> = {
    isOptional: meta.optional === true,
    check: run,
    validate(value) {
      const issues: Issue[] = [];
      run(value, "", issues);
      return issues;
    },
    parse(value) {
      const issues: Issue[] = [];
      const out = run(value, "", issues);
      return out === INVALID || issues.length > 0
        ? { ok: false, issues }
        : { ok: true, value: out };
    },
    toJSONSchema(context) {
      const out: Record<string, unknown> = { ...json(context) };
      if (meta.description !== undefined) out.description = meta.description;
      if (meta.example !== undefined) out.examples = [meta.example];
      return out;
    },
    describe(description) {
      return make(run, json, { ...meta, description }) as typeof schema;
    },
    example(example) {
      return make(run, json, { ...meta, example }) as typeof schema;
    },
  };
  return schema;
}

/** A short, safe description of a value for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number") return `the number ${String(value)}`;
  if (typeof value === "object") return "an object";
  return typeof value;
}

function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

function fail(issues: Issue[], path: string, message: string): typeof INVALID {
  issues.push({ path, message });
  return INVALID;
}

export interface StringOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** Shown in the message when `pattern` does not match. */
  readonly patternHint?: string;
  readonly format?: string;
}

export function string(options: StringOptions = {}): Schema<string> {
  const { minLength, maxLength, pattern, patternHint, format } = options;
  return make(
    (value, path, issues) => {
      if (typeof value !== "string")
        return fail(issues, path, `expected a string, got ${describeValue(value)}`);
      if (minLength !== undefined && value.length < minLength) {
        return fail(
          issues,
          path,
          minLength === 1 ? "must not be empty" : `must be at least ${minLength} characters`,
        );
      }
      if (maxLength !== undefined && value.length > maxLength) {
        return fail(issues, path, `must be at most ${maxLength} characters`);
      }
      if (pattern !== undefined && !pattern.test(value)) {
        return fail(issues, path, patternHint ?? `must match ${pattern.source}`);
      }
      return value;
    },
    () => ({
      type: "string",
      ...(minLength === undefined ? {} : { minLength }),
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(pattern === undefined ? {} : { pattern: pattern.source }),
      ...(format === undefined ? {} : { format }),
    }),
  );
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO-8601 instant with a zone; core checks the calendar details. */
export function dateTime(): Schema<string> {
  return string({
    maxLength: 40,
    pattern: DATE_TIME,
    patternHint: 'expected an ISO-8601 instant with a zone, such as "2026-12-24T10:00:00Z"',
    format: "date-time",
  });
}

export interface IntegerOptions {
  readonly minimum?: number;
  readonly maximum?: number;
  /** Accept a base-10 string too (query parameters arrive as strings). */
  readonly fromString?: boolean;
}

export function integer(options: IntegerOptions = {}): Schema<number> {
  const { minimum, maximum, fromString = false } = options;
  return make(
    (raw, path, issues) => {
      let value = raw;
      if (fromString && typeof raw === "string" && /^-?\d{1,16}$/.test(raw)) value = Number(raw);
      if (typeof value !== "number" || !Number.isSafeInteger(value)) {
        return fail(issues, path, `expected an integer, got ${describeValue(raw)}`);
      }
      if (minimum !== undefined && value < minimum)
        return fail(issues, path, `must be at least ${minimum}`);
      if (maximum !== undefined && value > maximum)
        return fail(issues, path, `must be at most ${maximum}`);
      return value;
    },
    () => ({
      type: "integer",
      ...(minimum === undefined ? {} : { minimum }),
      ...(maximum === undefined ? {} : { maximum }),
    }),
  );
}

const DECIMAL_JSON_PATTERN = "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)$";

export interface DecimalOptions {
  /** Reject values below zero. */
  readonly nonNegative?: boolean;
  /** Reject zero and values below it. */
  readonly positive?: boolean;
}

/**
 * A decimal amount: a plain decimal string (`"12.50"`), or a JSON number that
 * is exactly the decimal it was written as. Always parsed to a string.
 */
export function decimal(options: DecimalOptions = {}): Schema<string> {
  const { nonNegative = false, positive = false } = options;
  return make(
    (value, path, issues) => {
      let text: string;
      if (typeof value === "string") {
        if (!isDecimalString(value)) {
          return fail(
            issues,
            path,
            `expected a decimal string such as "12.50", got ${describeValue(value)}`,
          );
        }
        text = value;
      } else if (typeof value === "number") {
        if (!isExactNumber(value)) {
          return fail(
            issues,
            path,
            `${String(value)} is not an exact decimal number; send it as a string`,
          );
        }
        text = String(value);
      } else {
        return fail(issues, path, `expected a decimal string, got ${describeValue(value)}`);
      }
      const negative = text.startsWith("-") && /[1-9]/.test(text);
      const zero = !/[1-9]/.test(text);
      if ((nonNegative || positive) && negative) return fail(issues, path, "must not be negative");
      if (positive && zero) return fail(issues, path, "must be greater than zero");
      return text;
    },
    () => ({
      type: ["string", "number"],
      pattern: DECIMAL_JSON_PATTERN,
      ...(positive ? { exclusiveMinimum: 0 } : nonNegative ? { minimum: 0 } : {}),
    }),
  );
}

export function boolean(): Schema<boolean> {
  return make(
    (value, path, issues) =>
      typeof value === "boolean"
        ? value
        : fail(issues, path, `expected true or false, got ${describeValue(value)}`),
    () => ({ type: "boolean" }),
  );
}

export function enumOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  return make(
    (value, path, issues) =>
      typeof value === "string" && values.includes(value)
        ? (value as V[number])
        : fail(
            issues,
            path,
            `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(value)}`,
          ),
    () => ({ type: "string", enum: [...values] }),
  );
}

export function literal<const V extends string | number | boolean>(value: V): Schema<V> {
  return make(
    (input, path, issues) =>
      input === value
        ? value
        : fail(issues, path, `expected ${JSON.stringify(value)}, got ${describeValue(input)}`),
    () => ({ const: value }),
  );
}

/** Any JSON value (kept as is). */
export function json(): Schema<unknown> {
  return make(
    (value) => value,
    () => ({}),
  );
}

export interface ArrayOptions {
  readonly minItems?: number;
  readonly maxItems?: number;
}

export function array<T>(item: Schema<T>, options: ArrayOptions = {}): Schema<readonly T[]> {
  const { minItems, maxItems } = options;
  return make(
    (value, path, issues) => {
      if (!Array.isArray(value))
        return fail(issues, path, `expected an array, got ${describeValue(value)}`);
      if (minItems !== undefined && value.length < minItems) {
        return fail(
          issues,
          path,
          `must hold at least ${minItems} item${minItems === 1 ? "" : "s"}`,
        );
      }
      if (maxItems !== undefined && value.length > maxItems)
        return fail(issues, path, `must hold at most ${maxItems} items`);
      const out: T[] = [];
      let ok = true;
      value.forEach((element, index) => {
        const parsed = item.check(element, at(path, index), issues);
        if (parsed === INVALID) ok = false;
        else out.push(parsed);
      });
      return ok ? out : INVALID;
    },
    (context) => ({
      type: "array",
      items: item.toJSONSchema(context),
      ...(minItems === undefined ? {} : { minItems }),
      ...(maxItems === undefined ? {} : { maxItems }),
    }),
  );
}

/** Marks a field of an object as optional (it may be absent; `undefined` counts as absent). */
export function optional<T>(schema: Schema<T>): OptionalSchema<T> {
  const base = make(schema.check, schema.toJSONSchema, { optional: true });
  return base as OptionalSchema<T>;
}

/** Accepts `null` besides what `schema` accepts. */
export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return make<T | null>(
    (value, path, issues) => (value === null ? null : schema.check(value, path, issues)),
    (context) => ({ anyOf: [schema.toJSONSchema(context), { type: "null" }] }),
  );
}

type Shape = { readonly [key: string]: Schema<unknown> };
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
export type InferShape<S extends Shape> = Flatten<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

export interface ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly shape: S;
}

export interface ObjectOptions {
  /** Allow fields not in the shape (they are dropped). Unknown fields are an error by default. */
  readonly allowUnknown?: boolean;
}

export function object<const S extends Shape>(
  shape: S,
  options: ObjectOptions = {},
): ObjectSchema<S> {
  const keys = Object.keys(shape);
  const base = make<InferShape<S>>(
    (value, path, issues) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail(issues, path, `expected an object, got ${describeValue(value)}`);
      }
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let ok = true;
      for (const key of keys) {
        const field = shape[key] as Schema<unknown>;
        const input = Object.hasOwn(record, key) ? record[key] : undefined;
        if (input === undefined) {
          if (!field.isOptional) {
            issues.push({ path: at(path, key), message: "is required" });
            ok = false;
          }
          continue;
        }
        const parsed = field.check(input, at(path, key), issues);
        if (parsed === INVALID) ok = false;
        else out[key] = parsed;
      }
      if (options.allowUnknown !== true) {
        for (const key of Object.keys(record)) {
          if (!Object.hasOwn(shape, key)) {
            issues.push({
              path: at(path, key),
              message: `is not a known field (known: ${keys.join(", ")})`,
            });
            ok = false;
          }
        }
      }
      return ok ? (out as InferShape<S>) : INVALID;
    },
    (context) => {
      const properties: Record<string, JSONSchema> = {};
      const required: string[] = [];
      for (const key of keys) {
        const field = shape[key] as Schema<unknown>;
        properties[key] = field.toJSONSchema(context);
        if (!field.isOptional) required.push(key);
      }
      return {
        type: "object",
        properties,
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: options.allowUnknown === true,
      };
    },
  );
  return Object.assign(base, { shape });
}

/** A map from arbitrary string keys to values of one schema. */
export function record<T>(
  value: Schema<T>,
  options: { readonly maxProperties?: number } = {},
): Schema<Record<string, T>> {
  return make(
    (input, path, issues) => {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return fail(issues, path, `expected an object, got ${describeValue(input)}`);
      }
      const entries = Object.entries(input);
      if (options.maxProperties !== undefined && entries.length > options.maxProperties) {
        return fail(issues, path, `must hold at most ${options.maxProperties} fields`);
      }
      const out: Record<string, T> = {};
      let ok = true;
      for (const [key, element] of entries) {
        const parsed = value.check(element, at(path, key), issues);
        if (parsed === INVALID) ok = false;
        else out[key] = parsed;
      }
      return ok ? out : INVALID;
    },
    (context) => ({
      type: "object",
      additionalProperties: value.toJSONSchema(context),
      ...(options.maxProperties === undefined ? {} : { maxProperties: options.maxProperties }),
    }),
  );
}

/**
 * One of several object schemas, chosen by the string field `tag`
 * (`{ kind: "fixed", … }`); issues come from the chosen branch only.
 */
export function tagged<
  const K extends string,
  const B extends { readonly [tag: string]: ObjectSchema<Shape> },
>(tag: K, branches: B): Schema<Infer<B[keyof B]>> {
  const tags = Object.keys(branches);
  return make(
    (value, path, issues) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail(issues, path, `expected an object, got ${describeValue(value)}`);
      }
      const which = (value as Record<string, unknown>)[tag];
      const branch =
        typeof which === "string" && Object.hasOwn(branches, which) ? branches[which] : undefined;
      if (branch === undefined) {
        return fail(
          issues,
          at(path, tag),
          `expected one of ${tags.map((t) => JSON.stringify(t)).join(", ")}, got ${describeValue(which)}`,
        );
      }
      return branch.check(value, path, issues) as Checked<Infer<B[keyof B]>>;
    },
    (context) => ({
      oneOf: tags.map((t) => (branches[t] as ObjectSchema<Shape>).toJSONSchema(context)),
    }),
  );
}

/**
 * The first of several schemas that accepts the value. When none does, the
 * issues of the branch that came closest are reported: one whose shape
 * matched (issues only inside the value) beats one that rejected the value
 * itself, then fewer issues beat more.
 */
export function union<const U extends readonly Schema<unknown>[]>(
  branches: U,
): Schema<Infer<U[number]>> {
  const distance = (own: readonly Issue[], path: string) =>
    (own.some((issue) => issue.path === path) ? 1_000_000 : 0) + own.length;
  return make(
    (value, path, issues) => {
      let best: Issue[] | undefined;
      for (const branch of branches) {
        const own: Issue[] = [];
        const parsed = branch.check(value, path, own);
        if (parsed !== INVALID && own.length === 0) return parsed as Infer<U[number]>;
        if (best === undefined || distance(own, path) < distance(best, path)) best = own;
      }
      issues.push(...(best ?? [{ path, message: "matches no accepted shape" }]));
      return INVALID;
    },
    (context) => ({ anyOf: branches.map((branch) => branch.toJSONSchema(context)) }),
  );
}

/**
 * A schema with a name: rendered once under `components/schemas/<name>` and
 * referenced by `$ref` wherever it is used (inline when rendered without a context).
 */
export function named<T>(name: string, schema: Schema<T>): Schema<T> {
  return make(schema.check, (context) => {
    if (context === undefined) return schema.toJSONSchema();
    if (!context.components.has(name)) {
      // Reserve the name first so a schema that refers to itself terminates.
      context.components.set(name, {});
      context.components.set(name, schema.toJSONSchema(context));
    }
    return { $ref: `#/components/schemas/${name}` };
  });
}

/**
 * An object whose shape core defines (`@coinage/core/json-schema` renders
 * it, from the same definition core's parsers run). Here it is only checked
 * to be an object of known fields; core checks the rest and reports issues at
 * their paths, which the routes put under this field's own.
 */
export function coreObject<T>(render: (context?: RenderContext) => JSONSchema): Schema<T> {
  const known = Object.keys((render() as { properties?: object }).properties ?? {});
  return make(
    (value, path, issues) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail(issues, path, `expected an object, got ${describeValue(value)}`);
      }
      let ok = true;
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) {
          issues.push({
            path: at(path, key),
            message: `is not a known field (known: ${known.join(", ")})`,
          });
          ok = false;
        }
      }
      return ok ? (value as T) : INVALID;
    },
    (context) => render(context),
  );
}

/** `schema` (an object schema) without the fields `omit`, and with the fields `optional` no longer required. */
export function reshape(
  schema: JSONSchema,
  change: { readonly omit?: readonly string[]; readonly optional?: readonly string[] },
): JSONSchema {
  const drop = new Set([...(change.omit ?? []), ...(change.optional ?? [])]);
  const { properties, required, ...rest } = schema as {
    properties?: Record<string, JSONSchema>;
    required?: readonly string[];
  };
  const kept = Object.entries(properties ?? {}).filter(([key]) => !change.omit?.includes(key));
  const stillRequired = (required ?? []).filter((key) => !drop.has(key));
  return {
    ...rest,
    properties: Object.fromEntries(kept),
    ...(stillRequired.length > 0 ? { required: stillRequired } : {}),
  };
}
