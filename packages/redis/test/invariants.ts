/**
 * Reads a program's state straight from Redis (no store code) and checks the
 * ledger's invariants on every account.
 */
import type { Entry, Lot, RequestRecord } from "@coinage/core";
import { Cluster, type Redis } from "ioredis";
import { expect } from "vitest";
import { decodeId, encodeId, programKeys } from "../src/keys.js";

export interface ProgramFacts {
  readonly users: readonly string[];
  readonly entries: ReadonlyMap<string, readonly Entry[]>;
  readonly lots: ReadonlyMap<string, readonly Lot[]>;
  readonly requests: ReadonlyMap<string, RequestRecord>;
  budget(eventId: string): Promise<string | null>;
}

async function scanAll(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== "0");
  }
  return out;
}

/** Checks every account of the program; answers what it read. */
export async function checkProgram(
  client: Redis | Cluster,
  prefix: string,
  programId: string,
): Promise<ProgramFacts> {
  const keys = programKeys(prefix, programId);
  const heads = await scanAll(client, `${prefix}:{${encodeId(programId)}:*}:head`);
  const users = heads.map((key) => {
    const tag = key.slice(key.indexOf("{") + 1, key.indexOf("}"));
    return decodeId(tag.slice(tag.indexOf(":") + 1));
  });
  const allEntries = new Map<string, Entry[]>();
  const allLots = new Map<string, Lot[]>();
  const requests = new Map<string, RequestRecord>();
  for (const user of users) {
    const account = keys.account(user);
    const head = await client.hgetall(account.head);
    const entries = (await client.zrange(account.entries, 0, -1)).map(
      (json) => JSON.parse(json) as Entry,
    );
    const lots = Object.values(await client.hgetall(account.lots)).map(
      (json) => JSON.parse(json) as Lot,
    );
    // Both indexes hold exactly the open lots, under the members the store gives them.
    const lotIdOf = (member: string) => Number(member.slice(member.indexOf(":") + 1));
    const open = new Set((await client.zrange(account.fifo, 0, -1)).map(lotIdOf));
    const available = new Set((await client.zrange(account.avail, 0, -1)).map(lotIdOf));
    const records = Object.values(await client.hgetall(account.requests)).map(
      (json) => JSON.parse(json) as RequestRecord,
    );
    const where = `account ${JSON.stringify(user)}`;

    // History: seqs 1..n without gaps, consistent with the head.
    expect(
      entries.map((e) => e.seq),
      where,
    ).toEqual(entries.map((_, i) => i + 1));
    expect(Number(head.nextEntrySeq ?? 1), where).toBe(entries.length + 1);
    expect(Number(head.nextLotId ?? 1), where).toBe(lots.length + 1);
    // Conservation: the entries sum to the last balance, which the lots hold.
    const remaining = lots.reduce((sum, lot) => sum + Number(lot.remaining), 0);
    const last = entries[entries.length - 1];
    const booked = entries.reduce((sum, e) => sum + Number(e.coins), 0);
    expect(Number(last?.balanceAfter ?? 0), where).toBe(booked);
    expect(remaining - Number(head.debt ?? 0), where).toBe(booked);
    for (const lot of lots) {
      expect(Number(lot.remaining), `${where} lot ${lot.id}`).toBeGreaterThanOrEqual(0);
      expect(Number(lot.remaining), `${where} lot ${lot.id}`).toBeLessThanOrEqual(
        Number(lot.coins),
      );
      expect(open.has(lot.id), `${where} lot ${lot.id} open`).toBe(Number(lot.remaining) > 0);
      expect(available.has(lot.id), `${where} lot ${lot.id} by availableAt`).toBe(
        Number(lot.remaining) > 0,
      );
    }
    // Totals: the open lots' coins, the pending ones at asOf, and a lower bound of their next change.
    const openLots = lots.filter((lot) => Number(lot.remaining) > 0);
    const asOf = Number(head.asOf);
    expect(Number(head.open), `${where} totals.open`).toBe(remaining);
    expect(Number(head.pending), `${where} totals.pending`).toBe(
      openLots
        .filter((lot) => lot.availableAt > asOf)
        .reduce((sum, lot) => sum + Number(lot.remaining), 0),
    );
    const changes = openLots.flatMap((lot) => [
      ...(lot.expiresAt === null ? [] : [lot.expiresAt]),
      ...(lot.availableAt > asOf ? [lot.availableAt] : []),
    ]);
    if (changes.length > 0)
      expect(Number(head.nextChangeAt), `${where} totals.nextChangeAt`).toBeLessThanOrEqual(
        Math.min(...changes),
      );
    // Every request booked once, owned by this account, claimed for it.
    const perRequest = new Map<string, number>();
    for (const e of entries) {
      if (e.requestId !== null && (e.type === "earn" || e.type === "redeem")) {
        perRequest.set(e.requestId, (perRequest.get(e.requestId) ?? 0) + 1);
      }
    }
    for (const [requestId, count] of perRequest)
      expect(count, `${where} request ${requestId}`).toBe(1);
    for (const record of records) {
      expect(record.userId, where).toBe(user);
      expect(requests.has(record.requestId), `request ${record.requestId} in two accounts`).toBe(
        false,
      );
      requests.set(record.requestId, record);
      // Its claim, or the claim version 0.1 wrote for it.
      const claim = keys.claim(record.requestId);
      const owner = (await client.get(claim.claim)) ?? (await client.get(claim.legacy)) ?? "";
      expect(decodeId(owner), `claim of ${record.requestId}`).toBe(user);
    }
    allEntries.set(user, entries);
    allLots.set(user, lots);
  }
  return {
    users,
    entries: allEntries,
    lots: allLots,
    requests,
    budget: (eventId) => client.get(keys.budget(eventId)),
  };
}
