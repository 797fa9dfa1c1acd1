import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprint } from "./fingerprint.js";

describe("fingerprint", () => {
  it("is the payload as JSON with sorted keys, undefined fields left out", () => {
    expect(
      fingerprint({ userId: "u", op: "redeem", coins: "10", reason: null, x: undefined }),
    ).toBe('{"coins":"10","op":"redeem","reason":null,"userId":"u"}');
  });

  describe("properties", () => {
    it("canonicalJson ignores key order", () => {
      fc.assert(
        fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
          const reversed = Object.fromEntries(Object.entries(record).reverse());
          expect(canonicalJson(reversed)).toBe(canonicalJson(record));
        }),
      );
    });

    it("canonicalJson is JSON of the same value: equal strings are equal payloads", () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
        }),
      );
    });

    it("writes a payload of plain fields as canonicalJson does", () => {
      const plain = fc.oneof(
        fc.string(),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
      );
      fc.assert(
        fc.property(fc.dictionary(fc.string(), fc.option(plain, { nil: undefined })), (payload) => {
          expect(fingerprint(payload)).toBe(canonicalJson(payload));
        }),
      );
    });

    it("tells apart payloads that differ in any field", () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.string(), fc.string()),
          fc.dictionary(fc.string(), fc.string()),
          (a, b) => {
            const same =
              JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
            expect(fingerprint(a) === fingerprint(b)).toBe(same);
          },
        ),
      );
    });
  });
});
