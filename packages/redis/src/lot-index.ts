/**
 * How an open lot sits in its account's two sorted sets (see `keys.ts`):
 *
 * - `fifo`: score `expiresAt` (`+inf` for a lot that never expires), member
 *   the lot's earnedAt then id, both fixed-width, so Redis's order (score,
 *   then member bytes) is the spending order of core's `compareSpendOrder`:
 *   earliest expiry, never-expiring last, then earliest earned, then lot id;
 * - `avail`: score `availableAt`, member the lot id (fixed-width), so ties
 *   of `availableAt` come lowest id first.
 *
 * Both members end in `:` and the lot id in decimal: the field of the lot in
 * the account's `lots` hash, which scripts cut off the member.
 */
import { isZeroDecimalString, type Lot } from "@coinage/core";

const HEX14 = 14;

/** earnedAt as 15 characters whose byte order is numeric order (negative instants first). */
function instantKey(ms: number): string {
  if (ms >= 0) return `1${ms.toString(16).padStart(HEX14, "0")}`;
  // 2^56 + ms, exact on bigints: JavaScript's instants are within ±8.64e15 ms.
  return `0${(2n ** 56n + BigInt(ms)).toString(16).padStart(HEX14, "0")}`;
}

/** The member of a lot in `fifo`. */
export function fifoMember(lot: Pick<Lot, "id" | "earnedAt">): string {
  return `${instantKey(lot.earnedAt)}${availMember(lot)}`;
}

/** The member of a lot in `avail`. */
export function availMember(lot: Pick<Lot, "id">): string {
  return `${lot.id.toString(16).padStart(HEX14, "0")}:${lot.id}`;
}

/** The `fifo` score of a lot: its expiry, or `+inf`. */
export function fifoScore(lot: Pick<Lot, "expiresAt">): string {
  return lot.expiresAt === null ? "+inf" : String(lot.expiresAt);
}

/** Whether a lot belongs in the open-lot indexes: coins remain in it. */
export function isOpen(lot: Pick<Lot, "remaining">): boolean {
  return !isZeroDecimalString(lot.remaining);
}

/** A score as Redis answers it ("inf" for +inf) as an instant, or `null` for never. */
export function parseScore(score: string | null | undefined): number | null {
  if (score == null || score === "" || score === "inf" || score === "+inf") return null;
  return Number(score);
}
