/**
 * Rows to records and records to parameters. Every value the store reads is
 * cast to text in SQL (numerics stay exact, and every client returns the
 * same strings), in generic columns `c1`, `c2`, …; JSON values travel as
 * text and are parsed here once.
 */
import type { CoinEvent, Entry, Lot, RequestRecord } from "@coinage/core";
import type { Row } from "./client.js";

/** `expr AS c1, expr AS c2, …` */
export function columns(exprs: readonly string[], from = 1): string {
  return exprs.map((expr, i) => `${expr} AS c${i + from}`).join(", ");
}

/** A lot's columns as text, from alias `l`, in the order `toLot` reads them. */
export function lotText(l: string): string[] {
  return [
    `${l}.id::text`,
    `${l}.coins::text`,
    `${l}.remaining::text`,
    `${l}.earned_at::text`,
    `${l}.available_at::text`,
    `${l}.expires_at::text`,
    `${l}.event_id::text`,
    `${l}.request_id::text`,
    `${l}.expired::text`,
    `${l}.shortfall::text`,
  ];
}

/** The typed columns of a lot (for ordering and sums before the cast). */
export const LOT_COLUMNS =
  "id, coins, remaining, earned_at, available_at, expires_at, event_id, request_id, expired, shortfall";

/** A request record's columns as text, from alias `q`, in the order `toRequest` reads them. */
export function requestText(q: string): string[] {
  return [
    `${q}.request_id::text`,
    `${q}.kind::text`,
    `${q}.user_id::text`,
    `${q}.fingerprint::text`,
    `${q}.at::text`,
    `${q}.result::text`,
    `${q}.coins::text`,
    `${q}.reversed::text`,
    `${q}.lot_id::text`,
    `${q}.parts::text`,
  ];
}

/** An entry's columns as text, from alias `e`, in the order `toEntry` reads them. */
export function entryText(e: string): string[] {
  return [
    `${e}.seq::text`,
    `${e}.type::text`,
    `${e}.coins::text`,
    `${e}.balance_after::text`,
    `${e}.debt_after::text`,
    `${e}.request_id::text`,
    `${e}.lots::text`,
    `${e}.event_id::text`,
    `${e}.at::text`,
    `${e}.reason::text`,
  ];
}

const text = (value: unknown): string => String(value);
const textOrNull = (value: unknown): string | null => (value === null ? null : String(value));
const numberOrNull = (value: unknown): number | null => (value === null ? null : Number(value));

export function toLot(row: Row): Lot {
  return {
    id: Number(row.c1),
    coins: text(row.c2),
    remaining: text(row.c3),
    earnedAt: Number(row.c4),
    availableAt: Number(row.c5),
    expiresAt: numberOrNull(row.c6),
    eventId: textOrNull(row.c7),
    requestId: textOrNull(row.c8),
    expired: text(row.c9 ?? "0"),
    shortfall: text(row.c10 ?? "0"),
  };
}

export function toRequest(row: Row): RequestRecord {
  return {
    requestId: text(row.c1),
    kind: row.c2 as RequestRecord["kind"],
    userId: text(row.c3),
    fingerprint: text(row.c4),
    at: Number(row.c5),
    result: JSON.parse(text(row.c6)) as unknown,
    coins: text(row.c7),
    reversed: text(row.c8),
    lotId: numberOrNull(row.c9),
    parts: JSON.parse(text(row.c10)) as RequestRecord["parts"],
  };
}

export function toEntry(row: Row): Entry {
  return {
    seq: Number(row.c1),
    type: row.c2 as Entry["type"],
    coins: text(row.c3),
    balanceAfter: text(row.c4),
    debtAfter: text(row.c5),
    requestId: textOrNull(row.c6),
    lots: JSON.parse(text(row.c7)) as Entry["lots"],
    eventId: textOrNull(row.c8),
    at: Number(row.c9),
    reason: textOrNull(row.c10),
  };
}

export function toEvent(row: Row): CoinEvent {
  return { ...(JSON.parse(text(row.body)) as CoinEvent), version: Number(row.version) };
}

/**
 * A Postgres array literal (`{…}`) of the values, for a parameter cast in
 * SQL (`$1::text::bigint[]`): every client passes it as a plain string, with
 * no array or JSON handling of its own. Strings are quoted and escaped; `null`
 * is SQL NULL.
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = "NULL";
    else if (typeof value === "number") parts[i] = String(value);
    else if (value.indexOf('"') === -1 && value.indexOf("\\") === -1) parts[i] = `"${value}"`;
    else parts[i] = `"${value.replace(SPECIAL, "\\$&")}"`;
  }
  return `{${parts.join(",")}}`;
}

const SPECIAL = /[\\"]/g;

/** Lot movements as stored in JSON columns (`[{ lotId, coins }]`). */
export function movementsJson(
  movements: readonly { lotId: number; coins: string; before?: string }[],
): string {
  let out = "[";
  for (let i = 0; i < movements.length; i++) {
    const m = movements[i] as { lotId: number; coins: string; before?: string };
    // An entry's movements keep the lot's coins before the command (balances in the past).
    const before = m.before === undefined ? "" : `,"before":${JSON.stringify(m.before)}`;
    out += `${i > 0 ? "," : ""}{"lotId":${m.lotId},"coins":${JSON.stringify(m.coins)}${before}}`;
  }
  return `${out}]`;
}
