import type { AddressInfo } from "node:net";
import type { Clock, Store } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { serve } from "@hono/node-server";
import { type AppOptions, createApp } from "../src/app.js";

export const TOKEN_A = "token-acme";
export const TOKEN_B = "token-globex";
export const PROGRAM_A = "acme";
export const PROGRAM_B = "globex";

/** A clock the test moves by hand. */
export function manualClock(
  start: string,
): Clock & { set(iso: string): void; advanceDays(days: number): void } {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    set(iso) {
      now = new Date(iso).getTime();
    },
    advanceDays(days) {
      now += days * 86_400_000;
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any;
  readonly text: string;
}

export interface TestServer {
  readonly url: string;
  readonly clock: ReturnType<typeof manualClock>;
  readonly logged: unknown[];
  call(
    method: string,
    path: string,
    options?: {
      token?: string | null;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
    },
  ): Promise<Reply>;
  close(): Promise<void>;
}

/** Serve the app on a real socket (port 0) with a memory store and two programs. */
export async function startServer(
  overrides: Partial<AppOptions> & { store?: Store } = {},
): Promise<TestServer> {
  const clock = manualClock("2026-03-10T12:00:00Z");
  const logged: unknown[] = [];
  const app = createApp({
    store: memoryStore(),
    tokens: { [TOKEN_A]: PROGRAM_A, [TOKEN_B]: PROGRAM_B },
    programs: { [PROGRAM_A]: { coinValue: "0.25" }, [PROGRAM_B]: { coinValue: "1" } },
    clock,
    previewDir: null,
    logError: (message, error) => logged.push({ message, error }),
    ...overrides,
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => {
    if (server.listening) resolve();
    else server.once("listening", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    clock,
    logged,
    async call(method, path, options = {}) {
      const token = options.token === undefined ? TOKEN_A : options.token;
      const headers: Record<string, string> = { ...options.headers };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(url + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, json, text };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/** A v0 coin configuration of `PROGRAM_A` (the `DEFAULT` one) for `event`. */
export interface EventConfig {
  readonly event: string;
  readonly amount: number;
  readonly rule?: Record<string, unknown>;
}

/** Creates each configuration through the v0 API; throws unless every one answers 200. */
export async function defineEvents(
  server: TestServer,
  events: readonly EventConfig[],
): Promise<void> {
  for (const { event, ...rest } of events) {
    const reply = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
      body: { configuration: "DEFAULT", companyId: PROGRAM_A, event, ...rest },
    });
    if (reply.status !== 200) {
      throw new Error(`create-coins-config ${event} answered ${reply.status}`);
    }
  }
}

/** A v0 allocation in `PROGRAM_A`. */
export function allocateV0(
  server: TestServer,
  userId: string,
  event: string,
  requestId: string,
): Promise<Reply> {
  return server.call("POST", "/api/v0/enkash-coins/allocate-coin", {
    body: { companyId: PROGRAM_A, userId, event, requestId },
  });
}
