/**
 * Validation of coin events. `parseEvent` turns untrusted input (JSON from
 * an HTTP body, a row from a store) into a `CoinEvent` or throws one
 * `INVALID_INPUT` listing every problem with its path
 * (`reward.tiers[1].from`). Nothing else is ever thrown, whatever the input.
 *
 * The result is canonical, so `parseEvent(parseEvent(x))` equals
 * `parseEvent(x)`: decimals are strings without exponent or trailing zeros
 * (`12.50` and `12.5` both become `"12.5"`), instants are `toISOString()`
 * in UTC, and `name`, `status`, `version` and a tiered rule's `mode` are
 * filled in. Optional fields left out stay out.
 *
 * The fields, their checks and their messages are the definition in
 * `event-shape.ts`; this module runs it and applies patches.
 */
import { invalidInput } from "../errors.js";
import { join, markFrozenData, readInput } from "../input.js";
import { describe, Issues, isPlainObject, type Obj } from "./check.js";
import { eventShape } from "./event-shape.js";
import { type Field, parseShape } from "./shape.js";
import type { CoinEvent } from "./types.js";

export { eventLimits } from "./event-shape.js";

const EVENT_KEYS = eventShape.keys;
/** Fields that may be removed by patching them to `null`: the optional ones without a default. */
const OPTIONAL_KEYS = EVENT_KEYS.filter(
  (key) => "optional" in (eventShape.fields[key as keyof typeof eventShape.fields] as Field),
);

/**
 * Validate a coin event (numbers are accepted where they are exact) and
 * return it in canonical form, `version` 1 unless given. The input is read
 * once (a getter or Proxy that throws is `INVALID_INPUT` at its path); the
 * event returned is deeply frozen, so no later change can make it differ
 * from what was validated.
 */
export function parseEvent(input: unknown): CoinEvent {
  const issues = new Issues();
  const event = parseShape(eventShape, readInput(input, ""), "", issues);
  if (event === undefined || issues.count > 0) throw invalidInput(issues.list);
  return markFrozenData(freezeDeep(event as CoinEvent));
}

/**
 * Apply a patch to an event: each top-level field in `patch` replaces the
 * event's field whole (`reward`, `caps`, … are not merged deeply); `null`
 * removes an optional field. `id` and `version` cannot be patched. The
 * result is validated again, deeply frozen, and its `version` is one more
 * than the event's.
 */
export function parseEventPatch(event: CoinEvent, input: unknown): CoinEvent {
  const issues = new Issues();
  const current = readInput(event, "event") as CoinEvent;
  const patch = readInput(input, "");
  if (!isPlainObject(patch)) {
    throw invalidInput({
      path: "",
      message: `expected an object of fields to change, got ${describe(patch)}`,
    });
  }
  const merged: Record<string, unknown> = {};
  if (isPlainObject(current)) {
    for (const key of EVENT_KEYS) {
      if (Object.hasOwn(current, key)) merged[key] = (current as unknown as Obj)[key];
    }
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (key === "id") {
      issues.add("id", "cannot be changed; create a new event instead");
    } else if (key === "version") {
      issues.add("version", "is set by coinage; pass expectedVersion to guard an update");
    } else if (!EVENT_KEYS.includes(key)) {
      issues.add(
        join("", key),
        `unknown key; expected one of ${EVENT_KEYS.filter((k) => k !== "id" && k !== "version").join(", ")}`,
      );
    } else if (value === undefined) {
      // An absent field: nothing to change.
    } else if (value === null) {
      if (OPTIONAL_KEYS.includes(key)) delete merged[key];
      else issues.add(key, "cannot be removed");
    } else {
      merged[key] = value;
    }
  }
  const next = parseShape(eventShape, merged, "", issues);
  if (next === undefined || issues.count > 0) throw invalidInput(issues.list);
  return markFrozenData(freezeDeep({ ...next, version: next.version + 1 } as CoinEvent));
}

/** `value` with every object and array in it frozen; it is returned. */
export function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) freezeDeep(item);
  }
  return value;
}
