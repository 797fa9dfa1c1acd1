import { memoryStore } from "@coinage/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../src/app.js";
import { buildOpenApi } from "../src/openapi.js";
import { allocateV0, defineEvents, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await defineEvents(server, [{ event: "BUY", amount: 10 }]);
});
afterAll(async () => {
  await server.close();
});

interface FeedItem {
  readonly userId: string;
  readonly position: string;
  readonly requestId: string | null;
  readonly type: string;
  readonly coins: string;
}

describe("GET /api/v1/feed", () => {
  it("lists every entry of the program in commit order, paged by a cursor that stays put when nothing is new", async () => {
    const empty = await server.call("GET", "/api/v1/feed");
    expect(empty.status).toBe(200);
    expect(empty.json.payload).toEqual({ items: [], nextCursor: null });

    for (const [i, userId] of ["ann", "bo", "cy", "ann"].entries())
      expect((await allocateV0(server, userId, "BUY", `r${i}`)).status).toBe(200);

    const first = await server.call("GET", "/api/v1/feed?limit=3");
    expect(first.status).toBe(200);
    const items = first.json.payload.items as FeedItem[];
    expect(items.map((item) => [item.userId, item.requestId, item.type, item.coins])).toEqual([
      ["ann", "r0", "earn", "10"],
      ["bo", "r1", "earn", "10"],
      ["cy", "r2", "earn", "10"],
    ]);
    const cursor = first.json.payload.nextCursor as string;
    expect(cursor).toBe(items[2]?.position);

    const second = await server.call("GET", `/api/v1/feed?after=${encodeURIComponent(cursor)}`);
    expect((second.json.payload.items as FeedItem[]).map((item) => item.requestId)).toEqual(["r3"]);
    const last = second.json.payload.nextCursor as string;
    const idle = await server.call("GET", `/api/v1/feed?after=${encodeURIComponent(last)}`);
    expect(idle.json.payload).toEqual({ items: [], nextCursor: last });

    const other = await server.call("GET", "/api/v1/feed", { token: TOKEN_B });
    expect(other.json.payload).toEqual({ items: [], nextCursor: null });
  });

  it("splits the feed between partitions", async () => {
    const parts = [];
    for (const partition of ["0/2", "1/2"]) {
      const reply = await server.call("GET", `/api/v1/feed?partition=${partition}&limit=1000`);
      expect(reply.status).toBe(200);
      parts.push((reply.json.payload.items as FeedItem[]).map((item) => item.requestId));
    }
    expect(parts.flat().sort()).toEqual(["r0", "r1", "r2", "r3"]);
  });

  it("answers 400 INVALID_INPUT for a bad limit, cursor or partition", async () => {
    for (const [query, path] of [
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["after=", "after"],
      ["after=nope", "after"],
      ["partition=2", "partition"],
      ["partition=2/2", "partition.index"],
      ["partition=0/65", "partition.count"],
    ]) {
      const reply = await server.call("GET", `/api/v1/feed?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.json.code, query).toBe("INVALID_INPUT");
      expect(reply.json.details.issues[0].path, query).toBe(path);
    }
  });

  it("answers 400 at store on a store without a change feed", async () => {
    const { readFeed: _readFeed, ...withoutFeed } = memoryStore();
    const bare = await startServer({ store: withoutFeed });
    try {
      const reply = await bare.call("GET", "/api/v1/feed");
      expect(reply.status).toBe(400);
      expect(reply.json.details.issues[0].path).toBe("store");
    } finally {
      await bare.close();
    }
  });

  it("is in the OpenAPI document", () => {
    const doc = buildOpenApi(routes) as {
      paths: Record<
        string,
        Record<string, { operationId: string; parameters: { name: string }[] }>
      >;
    };
    const operation = doc.paths["/api/v1/feed"]?.get;
    expect(operation?.operationId).toBe("readFeed");
    expect(operation?.parameters.map((p) => p.name)).toEqual(["after", "limit", "partition"]);
  });
});
