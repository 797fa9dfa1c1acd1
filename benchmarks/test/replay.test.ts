import { describe, expect, it } from "vitest";
import { buildPlan, type Call, type Capture, type PoolLike } from "../src/replay.js";

/** A fake store's account: what its read returns, and what its redemption writes. */
interface State {
  version: number;
  nextSeq: number;
  lots: { id: number; remaining: number; at: number }[];
}

const READ = "WITH k AS (SELECT …) SELECT accounts, lots";
const WRITE = "WITH acc AS (UPDATE …) SELECT counts";

function readRows(user: string, s: State): Record<string, unknown>[] {
  return [
    {
      accounts: [["p", user, s.version, s.nextSeq]],
      // Lots in no particular order, as a server may return them.
      lots: [...s.lots].reverse().map((l) => ["p", user, [l.id, String(l.remaining), l.at]]),
    },
  ];
}

/** Stands for the request's fingerprint: varies with it, without containing it. */
const opaque = (text: string) => [...text].reverse().join("");

/** The statements a redemption of one coin from lot 1 sends, as the store would build them. */
function redeem(user: string, request: string, s: State, clock: number, seqStep = 0): Call[] {
  const lot = s.lots.find((l) => l.id === 1) as State["lots"][number];
  return [
    { via: "client", text: "BEGIN", values: undefined, rows: [] },
    {
      via: "client",
      text: "WITH claim AS (…)",
      values: ["p", user, request, opaque(request)],
      rows: [{ claimed: true, locked: true }],
    },
    {
      via: "client",
      text: READ,
      values: [JSON.stringify([{ p: "p", u: user }])],
      rows: readRows(user, s),
    },
    {
      via: "client",
      text: WRITE,
      values: [
        JSON.stringify([{ p: "p", u: user, version: s.version + 1, next: s.nextSeq + 1 }]),
        JSON.stringify([
          { p: "p", u: user, id: 1, remaining: String(lot.remaining - 1), at: lot.at },
        ]),
        JSON.stringify([
          { p: "p", u: user, seq: s.nextSeq + seqStep, request_id: request, at: clock },
        ]),
      ],
      rows: [{ accounts: 1, lots: 1, entries: 1 }],
    },
    { via: "client", text: "COMMIT", values: undefined, rows: [] },
  ];
}

const STATES: State[] = [
  { version: 1, nextSeq: 2, lots: [{ id: 1, remaining: 100, at: 1000 }] },
  {
    version: 4,
    nextSeq: 5,
    lots: [
      { id: 1, remaining: 97, at: 2000 },
      { id: 2, remaining: 50, at: 2100 },
    ],
  },
  { version: 3, nextSeq: 9, lots: [{ id: 1, remaining: 90, at: 3000 }] },
  {
    version: 7,
    nextSeq: 10,
    lots: [
      { id: 1, remaining: 80, at: 4000 },
      { id: 3, remaining: 5, at: 4100 },
    ],
  },
];

function captures(change?: (i: number, calls: Call[]) => Call[]): Capture[] {
  return STATES.map((s, i) => {
    const user = `cap-${i}-u`;
    const request = `cap-${i}-r`;
    const calls = redeem(user, request, s, 50_000 + i);
    return { user, request, calls: change === undefined ? calls : change(i, calls) };
  });
}

function fitAndHold(list: Capture[]) {
  return buildPlan("test floor", list.slice(0, 3), list[3] as Capture);
}

/** A pool that answers like the fake store for `state`, and keeps what it was sent. */
function fakePool(
  user: string,
  state: State,
  answers: Record<string, unknown>[][] = [],
): PoolLike & { sent: { text: string; values: unknown[] | undefined }[] } {
  const sent: { text: string; values: unknown[] | undefined }[] = [];
  const query = async (text: string, values?: unknown[]) => {
    sent.push({ text, values });
    const i = sent.length - 1;
    if (answers[i] !== undefined) return { rows: answers[i] as Record<string, unknown>[] };
    if (text === READ) return { rows: readRows(user, state) };
    if (text.startsWith("WITH claim")) return { rows: [{ claimed: true, locked: true }] };
    if (text === WRITE) return { rows: [{ accounts: 1, lots: 1, entries: 1 }] };
    return { rows: [] };
  };
  return { sent, query, connect: async () => ({ query, release: () => undefined }) };
}

describe("replay plan", () => {
  it("replays for another account: ids swapped, values following its read, the lot found by id", async () => {
    const plan = fitAndHold(captures());
    const state: State = {
      version: 20,
      nextSeq: 31,
      lots: [
        { id: 1, remaining: 60, at: 9000 },
        { id: 2, remaining: 1, at: 9100 },
        { id: 5, remaining: 7, at: 9200 },
      ],
    };
    const pool = fakePool("t7", state);
    await plan.run(pool, "t7", "req-9");
    const expected = redeem("t7", "req-9", state, 50_000);
    expect(pool.sent.map((s) => s.text)).toEqual(expected.map((c) => c.text));
    // Everything but the clock reading and the hash, which are sent as first captured.
    const write = pool.sent[3]?.values as string[];
    expect(JSON.parse(write[0] as string)).toEqual([{ p: "p", u: "t7", version: 21, next: 32 }]);
    expect(JSON.parse(write[1] as string)).toEqual([
      { p: "p", u: "t7", id: 1, remaining: "59", at: 9000 },
    ]);
    expect(JSON.parse(write[2] as string)).toEqual([
      { p: "p", u: "t7", seq: 31, request_id: "req-9", at: 50_000 },
    ]);
    expect(pool.sent[1]?.values).toEqual(["p", "t7", "req-9", opaque("cap-0-r")]);
    expect(plan.summary().fixed).toEqual(["2:$4", "4:$3[0].at"]);
  });

  it("refuses captures that send different statements", () => {
    const list = captures((i, calls) => (i === 1 ? calls.slice(0, 4) : calls));
    expect(() => fitAndHold(list)).toThrow(/sent 4 statements/);
  });

  it("refuses a statement with more parameters for one account", () => {
    const list = captures((i, calls) =>
      i === 1
        ? calls.map((c, k) => (k === 3 ? { ...c, values: [...(c.values ?? []), "[]"] } : c))
        : calls,
    );
    expect(() => fitAndHold(list)).toThrow(/parameters for one account/);
  });

  it("refuses parameters shaped differently per account", () => {
    const list = captures((i, calls) =>
      i === 2
        ? calls.map((c, k) =>
            k === 3
              ? {
                  ...c,
                  values: c.values?.map((v, j) =>
                    j === 0 ? JSON.stringify([{ ...JSON.parse(String(v))[0], debt: "0" }]) : v,
                  ),
                }
              : c,
          )
        : calls,
    );
    expect(() => fitAndHold(list)).toThrow(/shaped differently/);
  });

  it("refuses a plan the held-out capture does not follow", () => {
    // The held-out account's store numbers entries another way: the fitted plan would be wrong.
    const list = captures((i, calls) =>
      i === 3 ? redeem("cap-3-u", "cap-3-r", STATES[3] as State, 50_003, 1) : calls,
    );
    expect(() => fitAndHold(list)).toThrow(/comes out as/);
  });

  it("stops and rolls back when a statement answers otherwise than when captured", async () => {
    const plan = fitAndHold(captures());
    const state = STATES[0] as State;
    const pool = fakePool("t1", state, [[], [{ claimed: true, locked: false }]]);
    await expect(plan.run(pool, "t1", "req-1")).rejects.toThrow(/answered/);
    expect(pool.sent.map((s) => s.text)).toEqual(["BEGIN", "WITH claim AS (…)", "ROLLBACK"]);
  });
});
