import type { Queryable } from "../client.js";

/**
 * One `Queryable` per transaction object, however often it is adapted.
 * coinage runs the calls made on one `Queryable` one after another (each
 * under its own savepoint); two adapters over the same transaction would
 * interleave their savepoints.
 */
export function oncePerTransaction<T extends object>(
  adapt: (tx: T) => Queryable,
): (tx: T) => Queryable {
  const adapted = new WeakMap<T, Queryable>();
  return (tx) => {
    let queryable = adapted.get(tx);
    if (queryable === undefined) {
      queryable = adapt(tx);
      adapted.set(tx, queryable);
    }
    return queryable;
  };
}
