import { describe, expect, test } from "vitest";
import { CoinageError } from "./errors.js";
import { MAX_COPIED_ITEMS, markFrozenData, readInput, readInputField, readList } from "./input.js";
import { isPlainObject } from "./rules/check.js";
import { parseEvent } from "./rules/parse.js";

/** The issue paths of the `INVALID_INPUT` that `run` throws. */
function pathsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (!CoinageError.is(error, "INVALID_INPUT")) throw error;
    return error.details.issues.map((issue) => issue.path);
  }
  throw new Error("expected INVALID_INPUT, but nothing was thrown");
}

const boom = () => {
  throw new Error("boom");
};

function revoked(target: object = {}): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

describe("readInput", () => {
  test("a getter that throws is INVALID_INPUT at its path", () => {
    const input = { reward: Object.defineProperty({}, "coins", { get: boom, enumerable: true }) };
    expect(pathsOf(() => readInput(input, "event", { children: "" }))).toEqual(["reward.coins"]);
    expect(pathsOf(() => readInput([1, input], "items"))).toEqual(["items[1].reward.coins"]);
    expect(pathsOf(() => readInput({ "odd key": input.reward }, "x"))).toEqual([
      'x["odd key"].coins',
    ]);
  });

  test("every Proxy trap that throws, and a revoked Proxy, is INVALID_INPUT", () => {
    for (const trap of ["get", "ownKeys", "getPrototypeOf", "getOwnPropertyDescriptor"]) {
      const proxy = new Proxy({ a: 1 }, { [trap]: boom });
      expect(
        pathsOf(() => readInput({ inner: proxy }, "input")),
        trap,
      ).toHaveLength(1);
    }
    expect(pathsOf(() => readInput(revoked(), "options"))).toEqual(["options"]);
    expect(pathsOf(() => readInput({ list: revoked([]) }, "input"))).toEqual(["input.list"]);
    const lying = new Proxy([], { get: (_, key) => (key === "length" ? -1 : undefined) });
    expect(pathsOf(() => readInput(lying, "items"))).toEqual(["items"]);
  });

  test("the copy is data only: read once, own enumerable keys, __proto__ an ordinary key", () => {
    let reads = 0;
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": [1, {"b": null}]}');
    Object.defineProperty(input, "counted", {
      enumerable: true,
      get: () => {
        reads += 1;
        return `read ${reads}`;
      },
    });
    Object.defineProperty(input, "hidden", { value: 1, enumerable: false });
    const copy = readInput(input, "x") as Record<string, unknown>;
    expect(reads).toBe(1);
    expect(copy.counted).toBe("read 1");
    expect(copy.counted).toBe("read 1");
    expect(Object.keys(copy)).toEqual(["__proto__", "a", "counted"]);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.a).toEqual([1, { b: null }]);
    expect(copy.a).not.toBe(input.a);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a real Date stays a Date; anything else that is not a plain object is not one in the copy", () => {
    const date = new Date(5);
    const copied = readInput({ at: date }, "x") as { at: Date };
    expect(copied.at).toBeInstanceOf(Date);
    expect(copied.at.getTime()).toBe(5);
    expect(copied.at).not.toBe(date);
    class Request {
      readonly userId = "u1";
    }
    const instance = readInput(new Request(), "x") as Record<string, unknown>;
    expect(isPlainObject(instance)).toBe(false);
    expect(instance.userId).toBe("u1");
    expect(isPlainObject(readInput(new Map([["a", 1]]), "x"))).toBe(false);
    expect(isPlainObject(readInput(new Proxy(new Date(0), {}), "x"))).toBe(false);
    expect(isPlainObject(readInput(Object.create(null), "x"))).toBe(true);
    const fn = () => 1;
    expect(readInput(fn, "x")).toBe(fn);
  });

  test("cycles, deep nesting and long arrays end: containers past the depth limit are empty", () => {
    const cycle: Record<string, unknown> = { name: "loop" };
    cycle.self = cycle;
    let depth = 0;
    for (let node = readInput(cycle, "x") as Record<string, unknown>; node.self; depth++)
      node = node.self as Record<string, unknown>;
    expect(depth).toBeGreaterThan(10);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(Array.isArray(readInput(deep, "x"))).toBe(true);
    const long = new Array(MAX_COPIED_ITEMS + 1);
    const copied = readInput(long, "x") as unknown[];
    expect(copied).toHaveLength(MAX_COPIED_ITEMS + 1);
    expect(Object.keys(copied)).toEqual([]);
  });

  test("a value whose shared references would need too many copies is refused", () => {
    let node: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++) node = { a: node, b: node };
    expect(pathsOf(() => readInput(node, "metadata"))).toEqual(["metadata"]);
  });
});

describe("readInputField", () => {
  test("reads one field once, as property access does; no field on arrays or primitives", () => {
    let reads = 0;
    const input = Object.defineProperty({ other: 1 }, "amount", {
      enumerable: true,
      get: () => {
        reads += 1;
        return "12.5";
      },
    });
    expect(readInputField(input, "amount", "transaction")).toBe("12.5");
    expect(reads).toBe(1);
    expect(readInputField({}, "amount", "transaction")).toBeUndefined();
    class Purchase {
      get amount() {
        return "3";
      }
    }
    expect(readInputField(new Purchase(), "amount", "transaction")).toBe("3");
    expect(readInputField(Object.assign([], { amount: "1" }), "amount", "t")).toBeUndefined();
    for (const value of [undefined, null, "12", 12, () => 1]) {
      expect(readInputField(value, "amount", "transaction")).toBeUndefined();
    }
  });

  test("a value that cannot be inspected fails at its path, a field that cannot be read at the field's", () => {
    const read = (value: unknown) => () => readInputField(value, "amount", "transaction");
    expect(pathsOf(read(revoked()))).toEqual(["transaction"]);
    expect(pathsOf(read(new Proxy({}, { get: boom })))).toEqual(["transaction.amount"]);
    const getter = Object.defineProperty({}, "amount", { get: boom });
    expect(pathsOf(read(getter))).toEqual(["transaction.amount"]);
    // Fields under another path: bare (`""`), or an odd key written as the rule parser writes it.
    expect(pathsOf(() => readInputField(getter, "amount", "transaction", ""))).toEqual(["amount"]);
    const odd = Object.defineProperty({}, "odd key", { get: boom });
    expect(pathsOf(() => readInputField(odd, "odd key", "usage.perUser"))).toEqual([
      'usage.perUser["odd key"]',
    ]);
  });
});

describe("data core froze", () => {
  test("a parsed event is read as it is, without a copy; anything else is still copied", () => {
    const event = parseEvent({ id: "E", reward: { kind: "fixed", coins: "5" } });
    expect(readInput(event, "event")).toBe(event);
    const alike = structuredClone(event);
    expect(readInput(alike, "event")).not.toBe(alike);
    expect(readInput(alike, "event")).toEqual(event);
    const marked = markFrozenData(Object.freeze({ a: 1 }));
    expect(readInput(marked, "x")).toBe(marked);
  });
});

describe("readList", () => {
  test("reads the items once without copying them; not an array is undefined", () => {
    const item = { a: 1 };
    expect(readList([item], "items")?.[0]).toBe(item);
    expect(readList({ length: 1 }, "items")).toBeUndefined();
    expect(pathsOf(() => readList(revoked([]), "items"))).toEqual(["items"]);
    const throwing = new Proxy([1, 2], { get: (t, k) => (k === "1" ? boom() : Reflect.get(t, k)) });
    expect(pathsOf(() => readList(throwing, "items"))).toEqual(["items[1]"]);
  });
});
