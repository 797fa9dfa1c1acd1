import { type CallLog, createCoinage, logCalls, openTelemetry } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { describe, expect, it } from "vitest";

const program = { id: "obs", coinValue: "1" };
const event = { id: "E", name: "E", reward: { kind: "fixed", coins: "10" } } as const;

describe("instrumentation", () => {
  it("logCalls hands over one record per public call: operation, outcome, replayed, coins, error code", async () => {
    const calls: CallLog[] = [];
    const coins = createCoinage({
      store: memoryStore(),
      program,
      instrumentation: logCalls((record) => calls.push(record)),
    });
    await coins.events.create(event);
    await coins.allocate({ userId: "u", event: "E", requestId: "a1" });
    await coins.allocate({ userId: "u", event: "E", requestId: "a1" });
    await coins.redeem({ userId: "u", coins: "50", requestId: "r1" }).catch(() => undefined);
    expect(
      calls.map(({ operation, outcome, replayed, coins, code, programId, store }) => ({
        operation,
        outcome,
        replayed,
        coins,
        code,
        programId,
        store,
      })),
    ).toEqual(
      [
        { operation: "events.create", outcome: "ok", programId: "obs", store: "memory" },
        {
          operation: "allocate",
          outcome: "ok",
          replayed: false,
          coins: "10",
          programId: "obs",
          store: "memory",
        },
        {
          operation: "allocate",
          outcome: "ok",
          replayed: true,
          coins: "10",
          programId: "obs",
          store: "memory",
        },
        {
          operation: "redeem",
          outcome: "error",
          code: "INSUFFICIENT_COINS",
          programId: "obs",
          store: "memory",
        },
      ].map((c) => ({ replayed: undefined, coins: undefined, code: undefined, ...c })),
    );
    for (const call of calls) expect(call.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("openTelemetry opens one span per call, with attributes and an error status", async () => {
    const spans: {
      name: string;
      attributes: Record<string, unknown>;
      status?: unknown;
      ended: boolean;
    }[] = [];
    const tracer = {
      startSpan(
        name: string,
        options?: { attributes?: Record<string, string | number | boolean> },
      ) {
        const span = {
          name,
          attributes: { ...options?.attributes } as Record<string, unknown>,
          status: undefined as unknown,
          ended: false,
        };
        spans.push(span);
        return {
          setAttribute: (key: string, value: unknown) => {
            span.attributes[key] = value;
          },
          setStatus: (status: unknown) => {
            span.status = status;
          },
          end: () => {
            span.ended = true;
          },
        };
      },
    };
    const coins = createCoinage({
      store: memoryStore(),
      program,
      instrumentation: openTelemetry(tracer),
    });
    await coins.events.create(event);
    await coins.allocate({ userId: "u", event: "E", requestId: "a1" });
    await coins.allocate({ userId: "u", event: "NOPE", requestId: "a2" }).catch(() => undefined);
    expect(spans.map((s) => s.name)).toEqual([
      "coinage.events.create",
      "coinage.allocate",
      "coinage.allocate",
    ]);
    expect(spans.every((s) => s.ended)).toBe(true);
    expect(spans[1]?.attributes).toEqual({
      "coinage.program": "obs",
      "coinage.store": "memory",
      "coinage.outcome": "ok",
      "coinage.replayed": false,
      "coinage.coins": "10",
    });
    expect(spans[2]?.attributes["coinage.error.code"]).toBe("EVENT_NOT_FOUND");
    expect(spans[2]?.status).toEqual({ code: 2, message: "EVENT_NOT_FOUND" });
  });

  it("a hook that throws never changes a call's outcome", async () => {
    const coins = createCoinage({
      store: memoryStore(),
      program,
      instrumentation: {
        onCall() {
          return () => {
            throw new Error("broken exporter");
          };
        },
      },
    });
    await coins.events.create(event);
    expect((await coins.allocate({ userId: "u", event: "E", requestId: "a1" })).coins).toBe("10");
    const throwingStart = createCoinage({
      store: memoryStore(),
      program,
      instrumentation: {
        onCall() {
          throw new Error("broken tracer");
        },
      },
    });
    expect((await throwingStart.events.create(event)).id).toBe("E");
  });

  it("refuses an instrumentation without onCall", () => {
    expect(() =>
      createCoinage({ store: memoryStore(), program, instrumentation: {} as never }),
    ).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });
});
