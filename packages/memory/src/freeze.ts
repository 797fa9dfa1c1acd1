/**
 * What the memory store hands out is frozen, not copied: it freezes each
 * record once, when it is committed, and every read returns the same objects.
 */

/** `value` with every object and array in it frozen; it is returned. Frozen parts are skipped. */
export function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) freezeObject(value);
  return value;
}

function freezeObject(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "object" && item !== null) freezeDeep(item);
    return;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null) freezeDeep(item);
  }
}
