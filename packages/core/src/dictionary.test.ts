import { describe, expect, test } from "vitest";
import { dictionary, lookup } from "./dictionary.js";
import { applyChange, emptySnapshot, snapshotFor } from "./ledger/apply.js";
import type { AccountChange, RequestRecord } from "./ledger/types.js";

const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

const record = (requestId: string): RequestRecord => ({
  requestId,
  kind: "redeem",
  userId: "u1",
  fingerprint: "f",
  at: 0,
  result: null,
  coins: "1",
  reversed: "0",
  lotId: null,
  parts: [],
});

describe("maps keyed by ids", () => {
  test("every id is an ordinary key: stored, listed and read back, never inherited", () => {
    const map = dictionary<number>(NAMES.map((name, i) => [name, i]));
    expect(Object.keys(map)).toEqual(NAMES);
    NAMES.forEach((name, i) => {
      expect(lookup(map, name)).toBe(i);
    });
    expect(lookup({}, "constructor")).toBeUndefined();
    expect(lookup(JSON.parse('{"__proto__": 1}'), "__proto__")).toBe(1);
  });

  test("snapshots keep request records and usage counters whatever their ids", () => {
    const change: AccountChange = {
      lots: [],
      totals: { open: "0", pending: "0", asOf: 0, nextChangeAt: null },
      debt: "0",
      nextLotId: 1,
      nextEntrySeq: 1,
      entries: [],
      usage: dictionary(NAMES.map((name) => [name, "1"])),
      requests: NAMES.map(record),
    };
    const after = applyChange(emptySnapshot("u1"), change);
    const twice = applyChange(after, { ...change, requests: [] });
    const view = snapshotFor(
      twice,
      { at: 0, usageKeys: NAMES, requestIds: NAMES, lotIds: [] },
      undefined,
    );
    for (const name of NAMES) {
      expect(lookup(twice.requests, name)?.requestId, name).toBe(name);
      expect(lookup(view.requests, name)?.requestId, name).toBe(name);
      expect(lookup(view.usage, name), name).toBe("1");
    }
    const none = snapshotFor(
      twice,
      { at: 0, usageKeys: [], requestIds: [], lotIds: [] },
      undefined,
    );
    expect(lookup(none.requests, "constructor")).toBeUndefined();
    expect(lookup(emptySnapshot("u1").requests, "toString")).toBeUndefined();
  });
});
