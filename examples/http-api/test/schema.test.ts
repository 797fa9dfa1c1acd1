import { coinEventSchema, eventInputSchema } from "@coinage/core/json-schema";
import { describe, expect, it } from "vitest";
import { routes } from "../src/app.js";
import { readConfig } from "../src/config.js";
import { buildOpenApi } from "../src/openapi.js";
import {
  array,
  decimal,
  enumOf,
  integer,
  literal,
  named,
  nullable,
  object,
  optional,
  type RenderContext,
  string,
  tagged,
  union,
} from "../src/schema.js";
import { eventRule, eventRulePatch } from "../src/schemas.js";

describe("schema builder", () => {
  const item = object({
    name: string({ minLength: 1 }),
    price: decimal({ nonNegative: true }),
    qty: optional(integer({ minimum: 1 })),
    kind: enumOf(["a", "b"]),
  });

  it("parse - should return the typed value, numbers as exact decimal strings", () => {
    expect(item.parse({ name: "x", price: 12.5, kind: "a" })).toEqual({
      ok: true,
      value: { name: "x", price: "12.5", kind: "a" },
    });
  });

  it("parse - should list every issue with its path", () => {
    const result = item.parse({ name: "", price: 0.1, qty: 0, kind: "c", extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual([
      "name",
      "price",
      "qty",
      "kind",
      "extra",
    ]);
    expect(result.issues[1]?.message).toContain("not an exact decimal number");
  });

  it("parse - should report nested array paths", () => {
    const list = object({ items: array(item, { maxItems: 3 }) });
    const result = list.parse({
      items: [
        { name: "x", price: "1", kind: "a" },
        { name: "y", price: "-1", kind: "b" },
      ],
    });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: "items[1].price", message: "must not be negative" },
    ]);
  });

  it("tagged - should check only the branch its tag names", () => {
    const reward = tagged("kind", {
      fixed: object({ kind: literal("fixed"), coins: decimal() }),
      percentage: object({ kind: literal("percentage"), percent: decimal() }),
    });
    expect(reward.validate({ kind: "fixed", coins: "5" })).toEqual([]);
    expect(reward.validate({ kind: "percentage", coins: "5" }).map((i) => i.path)).toEqual([
      "percent",
      "coins",
    ]);
    expect(reward.validate({ kind: "bonus" })).toEqual([
      { path: "kind", message: 'expected one of "fixed", "percentage", got the string "bonus"' },
    ]);
  });

  it("union - should accept the first matching branch and report the closest one", () => {
    const expiry = union([literal("never"), object({ days: integer({ minimum: 1 }) })]);
    expect(expiry.parse("never")).toEqual({ ok: true, value: "never" });
    expect(expiry.parse({ days: 3 })).toEqual({ ok: true, value: { days: 3 } });
    expect(expiry.validate({ days: 0 })).toEqual([{ path: "days", message: "must be at least 1" }]);
  });

  it("integer - should read base-10 strings only when asked", () => {
    expect(integer().validate("5")).toHaveLength(1);
    expect(integer({ fromString: true }).parse("5")).toEqual({ ok: true, value: 5 });
    expect(integer({ fromString: true }).validate("5.5")).toHaveLength(1);
  });

  it("toJSONSchema - should render JSON Schema 2020-12 with required fields and no extras", () => {
    expect(item.toJSONSchema()).toEqual({
      type: "object",
      properties: {
        name: { type: "string", minLength: 1 },
        price: {
          type: ["string", "number"],
          pattern: "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)$",
          minimum: 0,
        },
        qty: { type: "integer", minimum: 1 },
        kind: { type: "string", enum: ["a", "b"] },
      },
      required: ["name", "price", "kind"],
      additionalProperties: false,
    });
    expect(nullable(string()).describe("d").toJSONSchema()).toEqual({
      anyOf: [{ type: "string" }, { type: "null" }],
      description: "d",
    });
  });

  it("named - should render once into components and refer to it", () => {
    const money = named("Money", decimal());
    const pair = object({ a: money, b: money });
    const context: RenderContext = { components: new Map() };
    expect(pair.toJSONSchema(context).properties).toEqual({
      a: { $ref: "#/components/schemas/Money" },
      b: { $ref: "#/components/schemas/Money" },
    });
    expect([...context.components.keys()]).toEqual(["Money"]);
    // Without a context it renders inline.
    expect((pair.toJSONSchema().properties as Record<string, unknown>).a).toEqual(
      decimal().toJSONSchema(),
    );
  });

  it("validate and toJSONSchema agree: what the document requires is what parse requires", () => {
    const rendered = item.toJSONSchema() as { required: string[] };
    for (const key of rendered.required) {
      const value: Record<string, unknown> = { name: "x", price: "1", kind: "a" };
      delete value[key];
      expect(item.validate(value)).toEqual([{ path: key, message: "is required" }]);
    }
  });
});

describe("readConfig", () => {
  it("uses the documented defaults", () => {
    const config = readConfig({});
    expect(config.port).toBe(3000);
    expect([...config.tokens]).toEqual([["dev-token", "demo"]]);
    expect(config.devTokens).toBe(true);
    expect(config.store).toEqual({ kind: "memory" });
    expect(config.programDefaults).toEqual({ coinValue: "0.25" });
  });

  it("reads tokens, program settings and the store", () => {
    const config = readConfig({
      PORT: "8080",
      COINAGE_TOKENS: "t1:acme, t2:globex",
      COINAGE_COIN_VALUE: "0.1",
      COINAGE_COIN_SCALE: "2",
      COINAGE_ROUNDING: "halfEven",
      COINAGE_TIME_ZONE: "Asia/Kolkata",
      COINAGE_CLAWBACK: "cap",
      COINAGE_PROGRAMS: '{"globex":{"coinValue":"1"}}',
      COINAGE_STORE: "postgres",
      DATABASE_URL: "postgres://u:p@db/coins",
      COINAGE_PG_SCHEMA: "coins",
    });
    expect(config.port).toBe(8080);
    expect([...config.tokens]).toEqual([
      ["t1", "acme"],
      ["t2", "globex"],
    ]);
    expect(config.devTokens).toBe(false);
    expect(config.programDefaults).toEqual({
      coinValue: "0.1",
      coinScale: 2,
      rounding: "halfEven",
      timeZone: "Asia/Kolkata",
      clawback: "cap",
    });
    expect(config.programs.globex?.coinValue).toBe("1");
    expect(config.programs.globex?.timeZone).toBe("Asia/Kolkata");
    expect(config.store).toEqual({
      kind: "postgres",
      url: "postgres://u:p@db/coins",
      schema: "coins",
    });
  });

  it("lists every problem at once, without printing tokens", () => {
    expect(() =>
      readConfig({
        PORT: "http",
        COINAGE_TOKENS: "supersecrettoken",
        COINAGE_ROUNDING: "sideways",
        COINAGE_STORE: "redis",
      }),
    ).toThrowError(
      /PORT must be a port number[\s\S]*token:programId, got "su…"[\s\S]*COINAGE_ROUNDING[\s\S]*REDIS_URL/,
    );
    expect(() => readConfig({ COINAGE_TOKENS: "supersecrettoken" })).not.toThrowError(
      /supersecrettoken/,
    );
  });
});

describe("coin event schemas", () => {
  const doc = buildOpenApi(routes) as {
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  const schemas = doc.components.schemas;

  it("are core's, rendered from the definition parseEvent runs", () => {
    const context = { components: new Map<string, Record<string, unknown>>() };
    expect(schemas.CoinEvent).toEqual(coinEventSchema(context));
    for (const [name, schema] of context.components) expect(schemas[name]).toEqual(schema);
    const fields = Object.keys(eventInputSchema().properties as object);
    expect(Object.keys(schemas.EventRule?.properties ?? {})).toEqual(
      fields.filter((key) => !["id", "name", "metadata"].includes(key)),
    );
  });

  it("check a rule's own fields here and leave the rest to core", () => {
    expect(eventRule.validate({ reward: { kind: "fixed", coins: "5" }, colour: "red" })).toEqual([
      {
        path: "colour",
        message: expect.stringMatching(/^is not a known field \(known: status, window, reward/),
      },
    ]);
    expect(eventRule.validate("fixed")).toEqual([
      { path: "", message: 'expected an object, got the string "fixed"' },
    ]);
    expect(eventRulePatch.validate({ caps: null, minAmount: null })).toEqual([]);
  });
});
