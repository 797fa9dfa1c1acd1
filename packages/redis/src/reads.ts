/**
 * Reading an account: the read script's arguments, its reply as a snapshot
 * (the lots core asked for, the exact FIFO prefix cut from the script's
 * candidates), history pages, request records, budget counters.
 */
import {
  type AccountReads,
  type AccountSnapshot,
  type AccountTotals,
  type Entry,
  emptySnapshot,
  type Lot,
  type RequestRecord,
  snapshotFor,
} from "@coinage/core";
import type { Arg } from "./client.js";
import type { Context } from "./context.js";
import { type AccountKeys, decodeId, encodeId, orderedMember, type ProgramKeys } from "./keys.js";
import { parseScore } from "./lot-index.js";
import { ACCOUNT_KEYS, readHistory } from "./scripts/account.js";
import * as lua from "./scripts/program.js";

/** `'all'`: every open lot instead of the ones `reads` selects (a batch deciding several commands on one account). */
export type ReadMode = "" | "all";

export type ReadResult =
  | { readonly kind: "replay"; readonly record: RequestRecord }
  | { readonly kind: "legacy"; readonly legacy: LegacyAccount }
  | { readonly kind: "state"; readonly snapshot: AccountSnapshot };

/** An account written by version 0.1, as read for its migration. */
export interface LegacyAccount {
  readonly version: number;
  /** Every open lot (and the lots asked for by id). */
  readonly lots: readonly Lot[];
  /** The instant of its newest entry, or `null` without entries. */
  readonly lastEntryAt: number | null;
}

/** The keys of one account in the read script, in its order. */
export function readKeys(account: AccountKeys): string[] {
  const keys = [
    account.head,
    account.lots,
    account.fifo,
    account.avail,
    account.entries,
    account.usage,
    account.requests,
    account.legacyOpen,
  ];
  if (keys.length !== ACCOUNT_KEYS) throw new Error("read keys out of step with the script");
  return keys;
}

/** One account's block of read arguments. */
export function readArgs(reads: AccountReads, ownRequestId: string | null, mode: ReadMode): Arg[] {
  const args: Arg[] = [
    ownRequestId === null ? "" : encodeId(ownRequestId),
    String(reads.at),
    reads.spend ?? "",
    mode,
    reads.usageKeys.length,
  ];
  for (const key of reads.usageKeys) args.push(encodeId(key));
  args.push(reads.requestIds.length);
  for (const id of reads.requestIds) args.push(encodeId(id));
  args.push(reads.lotIds.length);
  for (const id of reads.lotIds) args.push(id);
  return args;
}

/** A stored lot (JSON); one stored before `expired` and `shortfall` existed reads them as 0. */
export function parseLot(json: string): Lot {
  const lot = JSON.parse(json) as Lot;
  if (lot.expired !== undefined && lot.shortfall !== undefined) return lot;
  return { ...lot, expired: lot.expired ?? "0", shortfall: lot.shortfall ?? "0" };
}

type Head = readonly (string | null)[];
type Rows = readonly (string | null)[];

/** One account's reply of the read script as a snapshot (or its own request's record, or its 0.1 state). */
export function parseRead(
  reply: unknown,
  userId: string,
  reads: AccountReads,
  budgetUsed: string | undefined,
): ReadResult {
  const parts = reply as unknown[];
  switch (parts[0]) {
    case "replay":
      return { kind: "replay", record: JSON.parse(parts[1] as string) as RequestRecord };
    case "legacy": {
      const [, head, ids, rows, , , last] = parts as [
        string,
        Head,
        string[],
        Rows,
        Rows,
        Rows,
        string,
      ];
      const lots = new Map<number, Lot>();
      ids.forEach((id, i) => {
        const json = rows[i];
        if (typeof json === "string" && !lots.has(Number(id))) lots.set(Number(id), parseLot(json));
      });
      return {
        kind: "legacy",
        legacy: {
          version: Number(head[0] ?? 0),
          lots: [...lots.values()],
          lastEntryAt: last === "" ? null : (JSON.parse(last) as Entry).at,
        },
      };
    }
    case "state":
      return { kind: "state", snapshot: snapshotOf(parts, userId, reads, budgetUsed) };
    default:
      throw new Error(`unexpected reply from the read script: ${String(parts[0])}`);
  }
}

function snapshotOf(
  parts: unknown[],
  userId: string,
  reads: AccountReads,
  budgetUsed: string | undefined,
): AccountSnapshot {
  const [, head, ids, rows, spendIds, spendRows, usageRows, requestRows] = parts as [
    string,
    Head,
    string[],
    Rows,
    string[],
    string[],
    Rows,
    Rows,
  ];
  const lots = new Map<number, Lot>();
  for (let i = 0; i < ids.length; i += 1) {
    const json = rows[i];
    if (typeof json === "string") lots.set(Number(ids[i]), parseLot(json));
  }
  for (let i = 0; i < spendIds.length; i += 1) {
    const id = Number(spendIds[i]);
    if (!lots.has(id)) lots.set(id, parseLot(spendRows[i] as string));
  }
  // Keyed by ids: no prototype, so `__proto__` or `constructor` is an ordinary key.
  const usage: Record<string, string> = Object.create(null);
  for (let i = 0; i < reads.usageKeys.length; i += 1) {
    const value = usageRows[i];
    if (typeof value === "string") usage[reads.usageKeys[i] as string] = value;
  }
  const requests: Record<string, RequestRecord> = Object.create(null);
  for (let i = 0; i < reads.requestIds.length; i += 1) {
    const json = requestRows[i];
    if (typeof json === "string")
      requests[reads.requestIds[i] as string] = JSON.parse(json) as RequestRecord;
  }
  const empty = emptySnapshot(userId);
  const [version, debt, nextLotId, nextEntrySeq] = head;
  const snapshot: AccountSnapshot = {
    userId,
    version: version == null ? empty.version : Number(version),
    totals: version == null ? empty.totals : totalsOf(head),
    lots: lots.size === 1 ? [...lots.values()] : [...lots.values()].sort((a, b) => a.id - b.id),
    debt: debt ?? empty.debt,
    nextLotId: nextLotId == null ? empty.nextLotId : Number(nextLotId),
    nextEntrySeq: nextEntrySeq == null ? empty.nextEntrySeq : Number(nextEntrySeq),
    usage,
    requests,
    ...(budgetUsed === undefined ? {} : { budgetUsed }),
  };
  // The script reads spend lots a little past where the rule stops (it adds
  // in doubles); core's rule cuts them exactly. One spend lot is always kept.
  return spendIds.length > 1 ? snapshotFor(snapshot, reads, budgetUsed) : snapshot;
}

function totalsOf(head: Head): AccountTotals {
  return {
    open: head[4] ?? "0",
    pending: head[5] ?? "0",
    asOf: Number(head[6] ?? 0),
    nextChangeAt: parseScore(head[7]),
  };
}

/** A page of history, newest first. */
export async function history(
  ctx: Context,
  account: AccountKeys,
  page: { readonly limit: number; readonly beforeSeq?: number },
): Promise<Entry[]> {
  if (page.limit <= 0) return [];
  const max = page.beforeSeq === undefined ? "+inf" : `(${page.beforeSeq}`;
  const rows = (await ctx.scripts.run(
    "history",
    readHistory,
    [account.entries],
    [max, page.limit],
  )) as string[];
  return rows.map((json) => JSON.parse(json) as Entry);
}

/** The (encoded) owner of a request id: its claim, or else its claim of version 0.1. */
export async function ownerOf(
  ctx: Context,
  keys: ProgramKeys,
  requestId: string,
  operation: string,
): Promise<string | null> {
  const claim = keys.claim(requestId);
  if (ctx.crossSlot) {
    const owner = await ctx.scripts.run(operation, lua.getEither, [claim.claim, claim.legacy]);
    return typeof owner === "string" ? owner : null;
  }
  const owner = await ctx.scripts.run(operation, lua.getValue, [claim.claim]);
  if (typeof owner === "string") return owner;
  const legacy = await ctx.scripts.run(operation, lua.getValue, [claim.legacy]);
  return typeof legacy === "string" ? legacy : null;
}

/** A request record in one account, or `null`. */
export async function recordOf(
  ctx: Context,
  keys: ProgramKeys,
  encodedUser: string,
  requestId: string,
  operation: string,
): Promise<RequestRecord | null> {
  const json = await ctx.scripts.run(
    operation,
    lua.getField,
    [keys.account(decodeId(encodedUser)).requests],
    [encodeId(requestId)],
  );
  return typeof json === "string" ? (JSON.parse(json) as RequestRecord) : null;
}

/** The request record with this id in the program: the claim names the account that holds it. */
export async function findRequest(
  ctx: Context,
  keys: ProgramKeys,
  requestId: string,
): Promise<RequestRecord | null> {
  const owner = await ownerOf(ctx, keys, requestId, "findRequest");
  return owner === null ? null : recordOf(ctx, keys, owner, requestId, "findRequest");
}

/** What an event has handed out in total. */
export async function budgetUsed(
  ctx: Context,
  keys: ProgramKeys,
  eventId: string,
  operation: string,
): Promise<string> {
  const used = await ctx.scripts.run(operation, lua.getValue, [keys.budget(eventId)]);
  return typeof used === "string" ? used : "0";
}

/** The stored version of an event, `null` when the program has none (program slot). */
export async function eventVersion(
  ctx: Context,
  keys: ProgramKeys,
  eventId: string,
  operation: string,
): Promise<number | null> {
  const version = await ctx.scripts.run(
    operation,
    lua.getField,
    [keys.eventVersions],
    [orderedMember(eventId)],
  );
  return typeof version === "string" ? Number(version) : null;
}

/** `result` with the event version read beside it (when one was asked for). */
export function withEventVersion<R extends ReadResult>(
  result: R,
  version: number | null | undefined,
): R {
  if (version === undefined || result.kind !== "state") return result;
  return { ...result, snapshot: { ...result.snapshot, eventVersion: version } };
}
