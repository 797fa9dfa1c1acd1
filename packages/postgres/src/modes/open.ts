/** Which mode a client gets. */
import { invalidInput } from "@coinage/core";
import { isPGlite, isPool, isPoolClient, isQueryable } from "../client.js";
import { clientMode } from "./client.js";
import type { Mode } from "./mode.js";
import { pgliteMode } from "./pglite.js";
import { poolMode } from "./pool.js";

/**
 * The mode for what `postgresStore({ pool })` or `migrate(pool)` was given.
 * For the store, a connection checked out of a pool is refused: the store
 * would run its own transactions on a connection whose owner may be inside
 * one (`migrate` takes one, and refuses it only when it is inside a transaction).
 */
export function openMode(client: unknown, prepare: boolean, purpose: "store" | "migrate"): Mode {
  if (!isQueryable(client)) {
    throw invalidInput({
      path: "pool",
      message: "expected a pg.Pool, a connected pg.Client or a PGlite instance",
    });
  }
  if (isPGlite(client)) return pgliteMode(client);
  if (isPool(client)) return poolMode(client, prepare);
  if (purpose === "store" && isPoolClient(client)) {
    throw invalidInput({
      path: "pool",
      message:
        "this is a connection checked out of a pool (it has release()). Pass the pool itself, or, to run coinage inside a transaction on this connection, BEGIN on it and call coins.withTransaction(client)",
    });
  }
  return clientMode(client, prepare);
}
