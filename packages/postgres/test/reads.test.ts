/**
 * What the store reads of an account: exactly the lots of
 * `AccountSnapshot.lots` (core's `selectLots` over every lot is the
 * reference), for random lot sets and random reads, through `loadAccount`
 * and through a command's own read (claim, lock and read in one statement);
 * and on the server, that those reads are index range scans.
 */
import { type AccountCommand, type AccountReads, type Lot, selectLots } from "@coinage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeedLot, seed } from "./support/ledger.js";
import { type Fixture, pgliteFixture, serverFixture, skipServerTests } from "./support/server.js";

const skipServer = await skipServerTests("reads.test.ts");

/** mulberry32: a small seeded generator, so a failure names the seed that reproduces it. */
function generator(seedValue: number) {
  let state = seedValue >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (low: number, high: number) => low + Math.floor(next() * (high - low + 1)),
    chance: (p: number) => next() < p,
  };
}

const T = 1_000_000;

/** Lots with few distinct instants, so expiry groups, ties and pages happen often. */
function randomLots(rand: ReturnType<typeof generator>, count: number): SeedLot[] {
  return Array.from({ length: count }, () => {
    const coins = rand.int(1, 9);
    return {
      coins,
      remaining: rand.chance(0.15) ? 0 : rand.int(1, coins),
      earnedAt: T + rand.int(0, 5),
      availableAt: T + rand.int(0, 12),
      expiresAt: rand.chance(0.3) ? null : T + rand.int(2, 16),
    };
  });
}

function randomReads(
  rand: ReturnType<typeof generator>,
  lots: readonly Lot[],
  budgetless = true,
): AccountReads {
  const ids = lots.filter(() => rand.chance(0.1)).map((lot) => lot.id);
  return {
    at: T + rand.int(-2, 18),
    ...(rand.chance(0.7) ? { spend: String(rand.int(1, 40 + lots.length * 3)) } : {}),
    usageKeys: [],
    requestIds: [],
    lotIds: ids,
    ...(budgetless ? {} : { budgetEventId: "E" }),
  };
}

const ids = (lots: readonly Lot[]) => lots.map((lot) => lot.id);

/** A command that only records the snapshot it is shown, then fails (writing nothing). */
function probe(programId: string, userId: string, reads: AccountReads, seen: { lots?: Lot[] }) {
  const command: AccountCommand<never> = {
    programId,
    userId,
    request: { requestId: `probe-${Math.random()}`, fingerprint: "fp:probe" },
    reads,
    decide(snapshot) {
      seen.lots = [...snapshot.lots];
      throw new Error("probe: nothing to write");
    },
  };
  return command;
}

const backends = [
  { name: "pglite", skip: false, create: () => pgliteFixture() },
  { name: "postgres", skip: skipServer, create: () => serverFixture() },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`bounded reads on ${backend.name}`, () => {
    let fixture: Fixture;
    beforeAll(async () => {
      fixture = await backend.create();
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it("loadAccount and a command's read - should hold exactly the lots selectLots picks from every lot", async () => {
      const store = fixture.store;
      for (let trial = 0; trial < 40; trial++) {
        const seedValue = 1000 + trial;
        const rand = generator(seedValue);
        const userId = `u${trial}`;
        const asOf = T + rand.int(0, 8);
        // Up to 60 lots: spend reads then run past the first page (16) and into later ones.
        const count = trial % 4 === 0 ? rand.int(30, 60) : rand.int(0, 20);
        const outcome = await store.execute(
          seed("reads", userId, `seed-${trial}`, randomLots(rand, count), asOf),
        );
        expect(outcome.status).toBe("committed");
        const all = (outcome as { result: Lot[] }).result;
        for (let k = 0; k < 6; k++) {
          const reads = randomReads(rand, all);
          const expected = ids(selectLots(all, reads, asOf));
          const label = `seed ${seedValue}, read ${k}: ${JSON.stringify(reads)}`;
          const snapshot = await store.loadAccount("reads", userId, reads);
          expect(ids(snapshot.lots), label).toEqual(expected);
          expect(snapshot.totals.asOf, label).toBe(asOf);
          const seen: { lots?: Lot[] } = {};
          await expect(store.execute(probe("reads", userId, reads, seen))).rejects.toThrow(/probe/);
          expect(ids(seen.lots ?? []), `${label} (command)`).toEqual(expected);
        }
      }
    });

    it("a spend that reaches into a long expiry group - should read the whole group past the page", async () => {
      const store = fixture.store;
      // 5 spendable lots, then 40 lots of one expiry: the spend is reached inside the group.
      const lots: SeedLot[] = [
        ...Array.from({ length: 5 }, (_, i) => ({
          coins: 1,
          earnedAt: T + i,
          availableAt: T,
          expiresAt: T + 10,
        })),
        ...Array.from({ length: 40 }, (_, i) => ({
          coins: 1,
          earnedAt: T + i,
          availableAt: T,
          expiresAt: T + 20,
        })),
      ];
      const outcome = await store.execute(seed("reads", "group", "seed-group", lots, T));
      const all = (outcome as { result: Lot[] }).result;
      const reads: AccountReads = {
        at: T + 1,
        spend: "6",
        usageKeys: [],
        requestIds: [],
        lotIds: [],
      };
      const snapshot = await store.loadAccount("reads", "group", reads);
      expect(snapshot.lots).toHaveLength(45);
      expect(ids(snapshot.lots)).toEqual(ids(selectLots(all, reads, T)));
    });
  });
}

describe.skipIf(skipServer)("the read plans on the server", () => {
  it("each open-lot part - should be an index range scan on the open-lot indexes", async () => {
    const fixture = await serverFixture();
    try {
      // 20,000 lots of 200 users, one in ten open.
      await fixture.sql(
        `INSERT INTO coinage_lots (program_id, user_id, id, coins, remaining, earned_at, available_at, expires_at)
         SELECT 'p', 'user-' || (i % 200), i, 5, CASE WHEN i % 10 = 0 THEN 5 ELSE 0 END, i, i, i
         FROM generate_series(1, 20000) AS i`,
      );
      await fixture.sql("ANALYZE coinage_lots");
      const plan = async (where: string) =>
        JSON.stringify(
          await fixture.sql(
            `EXPLAIN (FORMAT JSON) SELECT * FROM coinage_lots WHERE program_id = 'p' AND user_id = 'user-7' AND remaining > 0 AND ${where}`,
          ),
        );
      expect(await plan("expires_at <= 5000")).toContain("coinage_lots_open_fifo");
      expect(await plan("expires_at = 5007")).toContain("coinage_lots_open_fifo");
      expect(await plan("available_at > 100 AND available_at <= 5000")).toContain(
        "coinage_lots_open_by_activation",
      );
      expect(
        JSON.stringify(
          await fixture.sql(
            `EXPLAIN (FORMAT JSON) SELECT * FROM coinage_lots WHERE program_id = 'p' AND user_id = 'user-7'
               AND remaining > 0 AND expires_at > 5000 ORDER BY expires_at, earned_at, id LIMIT 16`,
          ),
        ),
      ).toContain("coinage_lots_open_fifo");
    } finally {
      await fixture.close();
    }
  });
});
