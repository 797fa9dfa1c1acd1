/**
 * The parts of the key layout that need no server: lot index members sort in
 * core's spending order, and batches group calls by the slot Redis Cluster
 * computes.
 */
import { compareSpendOrder, type Lot } from "@coinage/core";
import { describe, expect, it } from "vitest";
import { availMember, fifoMember, fifoScore } from "../src/lot-index.js";
import { groupCalls, ITEMS_PER_CALL, slotOf } from "../src/slots.js";

function lot(id: number, earnedAt: number, expiresAt: number | null, availableAt = earnedAt): Lot {
  return {
    id,
    coins: "1",
    remaining: "1",
    earnedAt,
    availableAt,
    expiresAt,
    eventId: null,
    requestId: null,
  };
}

/** Redis's order of a sorted set: score, then member bytes. */
function redisOrder(a: { score: number; member: string }, b: { score: number; member: string }) {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

describe("lot indexes", () => {
  it("fifo - should order lots as core spends them, ties and negative instants included", () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const instants = [-8_640_000_000_000_000, -1, 0, 1, 1_773_576_000_000, 8_640_000_000_000_000];
    const lots = Array.from({ length: 400 }, (_, i) =>
      lot(
        i + 1 + next(3) * 1_000_000,
        instants[next(instants.length)] as number,
        next(4) === 0 ? null : (instants[next(instants.length)] as number),
      ),
    );
    const byCore = [...lots].sort(compareSpendOrder).map((l) => l.id);
    const byRedis = lots
      .map((l) => ({
        id: l.id,
        score: l.expiresAt === null ? Number.POSITIVE_INFINITY : l.expiresAt,
        member: fifoMember(l),
      }))
      .sort(redisOrder)
      .map((entry) => entry.id);
    expect(byRedis).toEqual(byCore);
  });

  it("avail - should put the lowest lot id first among equal availableAt", () => {
    const members = [12, 3, 100, 45].map((id) => availMember({ id })).sort();
    expect(members.map((m) => Number(m.slice(m.indexOf(":") + 1)))).toEqual([3, 12, 45, 100]);
  });

  it("members - should end in the lot id, and never-expiring lots score +inf", () => {
    const l = lot(42, 1_000, null);
    expect(fifoMember(l).endsWith(":42")).toBe(true);
    expect(availMember(l).endsWith(":42")).toBe(true);
    expect(fifoScore(l)).toBe("+inf");
    expect(fifoScore(lot(1, 0, 5))).toBe("5");
  });
});

describe("slots", () => {
  it("slotOf - should agree with Redis Cluster's CRC16 and hash tags", () => {
    // Values from the Redis Cluster specification (CLUSTER KEYSLOT).
    expect(slotOf("foo")).toBe(12182);
    expect(slotOf("123456789")).toBe(0x31c3 % 16384);
    expect(slotOf("{user1000}.following")).toBe(slotOf("{user1000}.followers"));
    expect(slotOf("a{}b")).toBe(slotOf("a{}b")); // an empty tag hashes the whole key
    expect(slotOf("x:{p:u}:head")).toBe(slotOf("y:{p:u}:lots"));
  });

  it("groupCalls - should keep one slot per call when asked, and cap every call", () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k:{${i % 5}}:head`);
    const bySlot = groupCalls(keys, true, (key) => key);
    for (const call of bySlot) {
      expect(new Set(call.map(slotOf)).size).toBe(1);
      expect(call.length).toBeLessThanOrEqual(ITEMS_PER_CALL);
    }
    expect(bySlot.flat().sort()).toEqual([...keys].sort());
    const together = groupCalls(keys, false, (key) => key);
    expect(together.map((call) => call.length)).toEqual([64, 64, 64, 64, 44]);
  });
});
