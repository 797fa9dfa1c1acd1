import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "./fingerprint.js";

describe("sha256Hex", () => {
  it("hashes the empty string", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  describe("properties", () => {
    it("agrees with node:crypto for any string", () => {
      fc.assert(
        fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (text) => {
          expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
        }),
      );
    });

    it("canonicalJson ignores key order", () => {
      fc.assert(
        fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
          const reversed = Object.fromEntries(Object.entries(record).reverse());
          expect(canonicalJson(reversed)).toBe(canonicalJson(record));
        }),
      );
    });
  });
});
