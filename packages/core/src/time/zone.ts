/** Time zone checks, through the platform's `Intl` (browsers and Node alike). */
import { invalidInput } from "../errors.js";

/** True when `value` names a time zone the platform knows (IANA names such as `"Europe/London"`, `"UTC"`). */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > 100) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Throws `INVALID_INPUT` at `path` unless `timeZone` is a known time zone. */
export function assertTimeZone(timeZone: unknown, path = "timeZone"): asserts timeZone is string {
  if (!isTimeZone(timeZone)) {
    throw invalidInput({
      path,
      message: `expected an IANA time zone such as "Europe/London", got ${JSON.stringify(String(timeZone).slice(0, 80))}`,
    });
  }
}
