/** Whether an event accepts allocations at an instant. */
import { invalidInput } from "../errors.js";
import { parseInstant } from "../time/instant.js";
import type { CoinEvent, IneligibleReason } from "./types.js";

/** Why an event takes no allocations at all at an instant (as opposed to a transaction being too small). */
export type InactiveReason = Exclude<
  IneligibleReason,
  "below_min_amount" | "expires_before_activation"
>;

/**
 * `null` when the event is active at `now`; otherwise why not: `"paused"`,
 * `"archived"`, `"before_window"` (now < window.from) or `"after_window"`
 * (now ≥ window.until; the window is half-open, `[from, until)`). It never
 * returns `"below_min_amount"`, which depends on a transaction, nor
 * `"expires_before_activation"`, which depends on the earning instant's dates.
 */
export function eventActivity(event: CoinEvent, now: Date): InactiveReason | null {
  if (event.status === "paused") return "paused";
  if (event.status === "archived") return "archived";
  const at = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(at)) throw invalidInput({ path: "now", message: "expected a valid Date" });
  const window = event.window;
  if (window?.from !== undefined && at < instant(window.from, "window.from"))
    return "before_window";
  if (window?.until !== undefined && at >= instant(window.until, "window.until"))
    return "after_window";
  return null;
}

/**
 * `eventActivity` with the window read once, as a function of the event
 * (whose status is read on each call) and the instant (epoch ms, already
 * checked). Throws when the window is malformed; the caller then uses
 * `eventActivity`, which reports it when it matters.
 */
export function prepareActivity(
  window: CoinEvent["window"],
): (event: CoinEvent, at: number) => InactiveReason | null {
  const from = window?.from === undefined ? undefined : instant(window.from, "window.from");
  const until = window?.until === undefined ? undefined : instant(window.until, "window.until");
  return (event, at) => {
    if (event.status === "paused") return "paused";
    if (event.status === "archived") return "archived";
    if (from !== undefined && at < from) return "before_window";
    if (until !== undefined && at >= until) return "after_window";
    return null;
  };
}

/** Epoch milliseconds of a stored instant; `INVALID_INPUT` at `path` if it is malformed. */
export function instant(value: string, path: string): number {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw invalidInput({ path, message: parsed.message });
  return parsed.ms;
}
