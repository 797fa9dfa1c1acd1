/**
 * What the memory store hands out is frozen, not copied: it freezes each
 * record once, when it is committed, and every read returns the same objects.
 */

/** `value` with every object and array in it frozen; it is returned. */
export function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) freezeDeep(item);
  }
  return value;
}
