/**
 * Plain objects keyed by ids (request ids, usage keys): an id may be any
 * string, `__proto__`, `constructor` and `toString` included, so such a map
 * is made without a prototype and read through its own properties only.
 */

/** An empty map from ids to `T`, with no prototype: every key is an ordinary own property. */
export function dictionary<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  for (const [key, value] of entries) out[key] = value;
  return out;
}

/** The value at `key` when it is an own property of `map`; never one inherited from a prototype. */
export function lookup<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
