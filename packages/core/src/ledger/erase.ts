/**
 * Erasure (the right to be forgotten): what is left of a user once erased.
 *
 * The forfeit: the account's remaining coins leave it as one `expire` entry
 * (for the books they count as expired; program totals stay exact). Then a
 * store moves every stored row of the user to a random pseudonym, rewriting
 * each with `erasedEntry` and `erasedRecord`: amounts stay, the user id and
 * free-text reasons leave. The same user id afterwards is a fresh account.
 */
import { type Dec, ZERO } from "../money/decimal.js";
import type { AccountDraft } from "./draft.js";
import { isOpenLot } from "./lot.js";
import type { Entry, LotMovement, RequestRecord } from "./types.js";

/** The fingerprint an erased record keeps: no payload (it held the user id and the reason). */
export const ERASED_FINGERPRINT = '{"erased":true}';

/** Forfeit every open lot of the draft: one `expire` entry; returns the coins. */
export function forfeitAll(draft: AccountDraft): Dec {
  const movements: LotMovement[] = [];
  let coins = ZERO;
  for (const lot of draft.lots().sort((a, b) => a.id - b.id)) {
    if (!isOpenLot(lot)) continue;
    const amount = draft.remainingOf(lot);
    if (amount.lte(0)) continue;
    draft.changeLot(lot.id, { remaining: amount.neg(), expired: amount });
    movements.push({ lotId: lot.id, coins: amount.toFixed() });
    coins = coins.plus(amount);
  }
  if (coins.gt(0)) {
    draft.entry("expire", coins.neg(), { requestId: null, lots: movements, reason: null });
  }
  return coins;
}

/** An entry as an erased account keeps it: without its reason. */
export function erasedEntry(entry: Entry): Entry {
  return entry.reason === null ? entry : { ...entry, reason: null };
}

/**
 * A request record as an erased account keeps it: under the pseudonym, with
 * no payload fingerprint, and its result with every string equal to the user
 * id replaced by the pseudonym and every `reason` dropped.
 */
export function erasedRecord(record: RequestRecord, pseudonym: string): RequestRecord {
  return {
    ...record,
    userId: pseudonym,
    fingerprint: ERASED_FINGERPRINT,
    result: scrub(record.result, record.userId, pseudonym),
  };
}

function scrub(value: unknown, userId: string, pseudonym: string): unknown {
  if (typeof value === "string") return value === userId ? pseudonym : value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, userId, pseudonym));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "reason") continue;
    out[key] = scrub(item, userId, pseudonym);
  }
  return out;
}
