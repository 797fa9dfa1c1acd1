/** Sorted arrays: binary search, insert and remove, in place. */

/** The first index in `sorted` whose item does not come before `item` under `compare`. */
export function lowerBound<T>(sorted: readonly T[], item: T, compare: (a: T, b: T) => number) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(sorted[mid] as T, item) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index in `sorted` (ascending by `key`) whose key is greater than `value`. */
export function firstAbove<T>(sorted: readonly T[], value: number, key: (item: T) => number) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (key(sorted[mid] as T) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Put `item` in its place in `sorted`. */
export function insertSorted<T>(sorted: T[], item: T, compare: (a: T, b: T) => number): void {
  sorted.splice(lowerBound(sorted, item, compare), 0, item);
}

/**
 * Replace `old` (found by its place under `compare`) with `item`, or remove
 * it when `item` is undefined. `compare` must be a total order (ties broken
 * by a unique key) so that the place found is `old`'s own.
 */
export function replaceSorted<T>(
  sorted: T[],
  old: T,
  item: T | undefined,
  compare: (a: T, b: T) => number,
): void {
  const index = lowerBound(sorted, old, compare);
  if (index >= sorted.length || compare(sorted[index] as T, old) !== 0) {
    throw new Error("the item to replace is not in the sorted array");
  }
  if (item !== undefined && compare(item, old) === 0) sorted[index] = item;
  else {
    sorted.splice(index, 1);
    if (item !== undefined) insertSorted(sorted, item, compare);
  }
}
