/**
 * The shared conformance suite, against the real server and against PGlite:
 * on the store's own transactions, and with every call inside a caller's
 * transaction of its own (`withTransaction`, committed after each call).
 */
import { describeStore } from "@coinage/store-tests";
import {
  inCallerTransactions,
  pgliteTransaction,
  poolTransaction,
  type TransactionalStore,
} from "./support/caller.js";
import {
  type Fixture,
  IN_CI,
  pgliteFixture,
  serverFixture,
  serverUnavailableReason,
} from "./support/server.js";

const unreachable = await serverUnavailableReason();
const skipReason =
  unreachable !== undefined && !IN_CI
    ? `${unreachable}; set DATABASE_URL (CI=true makes this fail)`
    : undefined;

let server: Fixture | undefined;
describeStore("postgres", {
  skipReason,
  async create() {
    server = await serverFixture({ max: 16 });
    return server.store;
  },
  async close() {
    await server?.close();
  },
});

let embedded: Fixture | undefined;
describeStore("pglite", {
  async create() {
    embedded = await pgliteFixture();
    return embedded.store;
  },
  async close() {
    await embedded?.close();
  },
});

let joinedServer: Awaited<ReturnType<typeof serverFixture>> | undefined;
describeStore("postgres, in the caller's transaction", {
  skipReason,
  async create() {
    joinedServer = await serverFixture({ max: 16 });
    return inCallerTransactions(
      joinedServer.store as TransactionalStore,
      poolTransaction(joinedServer.pool),
    );
  },
  async close() {
    await joinedServer?.close();
  },
});

let joinedEmbedded: Awaited<ReturnType<typeof pgliteFixture>> | undefined;
describeStore("pglite, in the caller's transaction", {
  async create() {
    joinedEmbedded = await pgliteFixture();
    return inCallerTransactions(
      joinedEmbedded.store as TransactionalStore,
      pgliteTransaction(joinedEmbedded.db),
    );
  },
  async close() {
    await joinedEmbedded?.close();
  },
});
