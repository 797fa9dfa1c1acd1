/**
 * Untrusted input, read once as plain data. Callers may hand coinage
 * anything: objects with getters, Proxies whose traps throw, revoked
 * Proxies, cycles. `readInput` reads such a value exactly once, field by
 * field, and answers a copy made only of data; a read that throws becomes
 * `INVALID_INPUT` at the path being read, so nothing else ever escapes. The
 * validators then work on the copy, which cannot change under them or throw.
 *
 * The copy keeps what the validators look at:
 * - primitives as they are (functions too: validators reject them);
 * - a real `Date` as a new `Date` with the same time;
 * - an array as an array of copies (an array longer than
 *   {@link MAX_COPIED_ITEMS} keeps only its length: every validator rejects it
 *   for its length before reading an item);
 * - a plain object (prototype `Object.prototype` or `null`) as a plain object
 *   of copies of its own enumerable string-keyed properties, `__proto__`
 *   included as an ordinary key;
 * - any other object (a class instance, a `Map`, a boxed string) as an object
 *   with its own enumerable properties copied, whose prototype is not a plain
 *   object's, so a validator that wants a plain object still refuses it.
 *
 * Beyond {@link MAX_DEPTH} levels, containers are copied empty: no schema
 * nests that deep, and every validator refuses a container in such a place
 * by its kind alone. A value that needs more than {@link MAX_COPIED_VALUES}
 * objects and arrays copied (shared or cyclic references multiply them) is
 * refused as too large.
 */
import { type CoinageError, invalidInput } from "./errors.js";

/** Containers deeper than this are copied empty (see the module note). */
export const MAX_DEPTH = 32;
/** Longest array copied item by item. */
export const MAX_COPIED_ITEMS = 100_000;
/** Most objects and arrays copied from one input. */
export const MAX_COPIED_VALUES = 100_000;

/** Prototype of the copies of objects that were not plain: itself no plain object's. */
const NOT_PLAIN: object = Object.freeze(Object.create(null));

export interface ReadOptions {
  /** Where the paths of the value's fields start; `path` by default. `""` makes them bare (`limit`). */
  readonly children?: string;
}

/**
 * Values core built from data it had read and then froze deeply (parsed
 * events): plain data that can neither throw nor change, so reading one
 * again needs no copy.
 */
const frozenData = new WeakSet<object>();

/** Marks `value`, which core built from read data and froze deeply, as needing no copy. */
export function markFrozenData<T extends object>(value: T): T {
  frozenData.add(value);
  return value;
}

/** Whether `value` was marked with {@link markFrozenData}. */
export function isFrozenData(value: object): boolean {
  return frozenData.has(value);
}

/**
 * `value` read once as plain data (see the module note). `path` names the
 * value itself in an error; its fields are reported under `children`. A
 * value marked with {@link markFrozenData} is returned as it is.
 */
export function readInput(value: unknown, path: string, options: ReadOptions = {}): unknown {
  if (typeof value !== "object" || value === null || frozenData.has(value)) return value;
  const budget = { left: MAX_COPIED_VALUES };
  return copy(value, path, options.children ?? path, 0, budget, path);
}

/**
 * The field `key` of `value`, read once as property access reads it, or
 * `undefined` when `value` is not an object or is an array (whose copy by
 * {@link readInput} has no named fields): for a caller that needs a few
 * fields of an input and no copy of the rest. A value that cannot even be
 * inspected (a revoked Proxy) is `INVALID_INPUT` at `path`; a read that
 * throws (a getter, a Proxy's `get`) is `INVALID_INPUT` at the field, under
 * `children` (`path` by default).
 */
export function readInputField(
  value: unknown,
  key: string,
  path: string,
  children = path,
): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  let isArray: boolean;
  try {
    isArray = Array.isArray(value);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (isArray) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch (error) {
    throw unreadable(join(children, key), error);
  }
}

/**
 * The items of an array, read once (the items themselves are not copied),
 * or `undefined` when `value` is not an array.
 */
export function readList(value: unknown, path: string): unknown[] | undefined {
  if (!guard(path, () => Array.isArray(value))) return undefined;
  const list = value as unknown[];
  const length = arrayLength(list, path);
  if (length > MAX_COPIED_ITEMS) return sparse(length);
  const items: unknown[] = [];
  for (let i = 0; i < length; i++) items.push(guard(`${path}[${i}]`, () => list[i]));
  return items;
}

/** One property of an object, read with its getter or Proxy trap guarded. */
export function readField(value: object, key: string, path: string): unknown {
  return guard(path, () => (value as Record<string, unknown>)[key]);
}

/** The time of a real `Date`, or `undefined` for anything else (a Proxy of a Date included). */
export function dateTime(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    return Date.prototype.getTime.call(value);
  } catch {
    return undefined;
  }
}

/** `read()`, with anything it throws reported as `INVALID_INPUT` at `path`. */
export function guard<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw unreadable(path, error);
  }
}

/** The `INVALID_INPUT` for a value at `path` whose reading threw `error`. */
export function unreadable(path: string, error: unknown): CoinageError<"INVALID_INPUT"> {
  return invalidInput({ path, message: `could not be read (${describeError(error)})` });
}

function copy(
  value: unknown,
  path: string,
  children: string,
  depth: number,
  budget: { left: number },
  root: string,
): unknown {
  if (typeof value !== "object" || value === null) return value;
  budget.left -= 1;
  if (budget.left < 0) {
    throw invalidInput({ path: root, message: "is too large to read" });
  }
  let isArray: boolean;
  let prototype: unknown;
  try {
    isArray = Array.isArray(value);
    prototype = isArray ? undefined : Object.getPrototypeOf(value);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (isArray) {
    const list = value as unknown[];
    const length = arrayLength(list, path);
    if (length > MAX_COPIED_ITEMS) return sparse(length);
    if (depth >= MAX_DEPTH) return [];
    const out: unknown[] = [];
    for (let i = 0; i < length; i++) {
      let item: unknown;
      try {
        item = list[i];
      } catch (error) {
        throw unreadable(`${children}[${i}]`, error);
      }
      if (typeof item === "object" && item !== null) {
        const at = `${children}[${i}]`;
        item = copy(item, at, at, depth + 1, budget, root);
      }
      out.push(item);
    }
    return out;
  }
  const plain = prototype === Object.prototype || prototype === null;
  if (!plain) {
    const time = dateTime(value);
    if (time !== undefined) return new Date(time);
  }
  const out: Record<string, unknown> = plain ? {} : Object.create(NOT_PLAIN);
  if (depth >= MAX_DEPTH) return out;
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch (error) {
    throw unreadable(path, error);
  }
  for (const key of keys) {
    let item: unknown;
    try {
      item = (value as Record<string, unknown>)[key];
    } catch (error) {
      throw unreadable(join(children, key), error);
    }
    if (typeof item === "object" && item !== null) {
      const at = join(children, key);
      item = copy(item, at, at, depth + 1, budget, root);
    }
    // `__proto__` is an ordinary key of the copy, never its prototype.
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: item,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else out[key] = item;
  }
  return out;
}

function arrayLength(list: readonly unknown[], path: string): number {
  const length = guard(path, () => list.length);
  if (!Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
    throw invalidInput({ path, message: "is an array with an invalid length" });
  }
  return length;
}

/** An array of `length` holes: its length is all a validator reads before refusing it. */
function sparse(length: number): unknown[] {
  const out: unknown[] = [];
  out.length = length;
  return out;
}

/** `a.b`, `a[2]`, and `a["odd key"]` for keys that are not plain names. */
export function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)}]`;
}

function describeError(error: unknown): string {
  try {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return "it threw";
  }
}

/** What `value` is, for a message: `null`, `an array`, or its `typeof`. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
