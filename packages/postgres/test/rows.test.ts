/** Lists travel as array literals: every string comes back from Postgres exactly as sent. */
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { arrayLiteral, movementsJson } from "../src/rows.js";

describe("arrayLiteral", () => {
  const db = new PGlite();
  afterAll(async () => {
    await db.close();
  });

  it("should carry any text, NULL and numbers through text[], numeric[] and jsonb", async () => {
    const texts = [
      "plain",
      "",
      "NULL",
      "null",
      'quote " and backslash \\ and \\"',
      "{braces}, commas, and spaces ",
      "  leading and trailing  ",
      "line\nbreak\ttab\r",
      "unicode ünïcødé 日本語 🎉",
      JSON.stringify({ a: 'x"y', b: "c\\d", n: [1, 2] }),
    ];
    const { rows } = await db.query<{ v: string | null }>(
      "SELECT v FROM unnest($1::text::text[]) WITH ORDINALITY AS x(v, n) ORDER BY n",
      [arrayLiteral([...texts, null])],
    );
    expect(rows.map((r) => r.v)).toEqual([...texts, null]);
    const numbers = await db.query<{ v: string }>(
      "SELECT v::text AS v FROM unnest($1::text::numeric[]) WITH ORDINALITY AS x(v, n) ORDER BY n",
      [arrayLiteral(["12345678901234567890.123456789", 7, "-0.5"])],
    );
    expect(numbers.rows.map((r) => r.v)).toEqual(["12345678901234567890.123456789", "7", "-0.5"]);
    const json = await db.query<{ v: string }>(
      "SELECT (v::jsonb)::text AS v FROM unnest($1::text::text[]) AS x(v)",
      [arrayLiteral([movementsJson([{ lotId: 3, coins: '1"0' }])])],
    );
    expect(JSON.parse(json.rows[0]?.v ?? "null")).toEqual([{ lotId: 3, coins: '1"0' }]);
  });
});
