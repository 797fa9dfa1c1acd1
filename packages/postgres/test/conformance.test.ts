/** The shared conformance suite, against the real server and against PGlite. */
import { describeStore } from "@coinage/store-tests";
import {
  type Fixture,
  IN_CI,
  pgliteFixture,
  serverFixture,
  serverUnavailableReason,
} from "./support/server.js";

const unreachable = await serverUnavailableReason();

let server: Fixture | undefined;
describeStore("postgres", {
  skipReason:
    unreachable !== undefined && !IN_CI
      ? `${unreachable}; set DATABASE_URL (CI=true makes this fail)`
      : undefined,
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
