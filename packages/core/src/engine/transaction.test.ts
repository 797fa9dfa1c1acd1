/**
 * The engine's side of joining a caller's transaction, and a retried
 * `events.create`, over a store stub that records what it is asked.
 */
import { describe, expect, it } from "vitest";
import { CoinageError } from "../errors.js";
import type { CoinEvent, EventInput } from "../rules/types.js";
import type { Store } from "../store.js";
import { createCoinage } from "./create.js";

const program = { id: "p", coinValue: "1" };

/** A store holding events only; every other method fails the test if called. */
function eventStore(name: string, events = new Map<string, CoinEvent>()): Store {
  const unused = () => Promise.reject(new Error("not used by this test"));
  return {
    name,
    async insertEvent(_programId, event) {
      if (events.has(event.id)) return false;
      events.set(event.id, event);
      return true;
    },
    async replaceEvent() {
      return false;
    },
    async getEvent(_programId, eventId) {
      const event = events.get(eventId);
      return event === undefined ? null : structuredClone(event);
    },
    listEvents: unused,
    findRequest: unused,
    loadAccount: unused,
    execute: unused,
    history: unused,
    findExpiring: unused,
    getBudgetUsed: unused,
  };
}

describe("coins.withTransaction", () => {
  it("a store that cannot join a transaction - INVALID_INPUT at once, naming the store", () => {
    const coins = createCoinage({ store: eventStore("memory"), program });
    let error: unknown;
    try {
      coins.withTransaction({ query() {} });
    } catch (caught) {
      error = caught;
    }
    expect(CoinageError.is(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toMatch(/memory store cannot join a caller's transaction/);
  });

  it("a store that can - the engine's calls go to the store it returns for that transaction", async () => {
    const outside = new Map<string, CoinEvent>();
    const inside = new Map<string, CoinEvent>();
    const joined: unknown[] = [];
    const store: Store = {
      ...eventStore("sql", outside),
      withTransaction(tx) {
        joined.push(tx);
        return eventStore("sql", inside);
      },
    };
    const coins = createCoinage({ store, program });
    const tx = { query() {} };
    const scoped = coins.withTransaction(tx);
    expect(joined).toEqual([tx]);
    expect(scoped.program).toEqual(coins.program);
    await scoped.events.create({ id: "E", name: "E", reward: { kind: "fixed", coins: "1" } });
    expect([...inside.keys()]).toEqual(["E"]);
    expect(outside.size).toBe(0);
  });
});

describe("events.create retried", () => {
  const input: EventInput = { id: "E", name: "Event", reward: { kind: "fixed", coins: "5" } };

  it("with an identical body - answers the stored event instead of EVENT_EXISTS", async () => {
    const coins = createCoinage({ store: eventStore("stub"), program });
    const first = await coins.events.create(input);
    const again = await coins.events.create({ ...input });
    expect(again).toEqual(first);
    expect(again.version).toBe(1);
  });

  it("with another body, or after an update - EVENT_EXISTS", async () => {
    const events = new Map<string, CoinEvent>();
    const coins = createCoinage({ store: eventStore("stub", events), program });
    await coins.events.create(input);
    await expect(coins.events.create({ ...input, name: "Other" })).rejects.toMatchObject({
      code: "EVENT_EXISTS",
    });
    events.set("E", { ...(events.get("E") as CoinEvent), version: 2 });
    await expect(coins.events.create(input)).rejects.toMatchObject({ code: "EVENT_EXISTS" });
  });
});
