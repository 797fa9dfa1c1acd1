/**
 * An in-process PGlite instance: it runs one transaction at a time and
 * queues the rest itself (`transaction(fn)`).
 */
import type { PGliteLike } from "../client.js";
import { pgliteSession } from "../session.js";
import { foreignTransaction, insideTransaction, type Mode } from "./mode.js";

export function pgliteMode(db: PGliteLike): Mode {
  const outside = pgliteSession(db);
  let probed: Promise<void> | undefined;
  /** Asked once, at first use: a session left inside `BEGIN` would be committed by the store. */
  function checked(): Promise<void> {
    probed ??= insideTransaction(outside).then(
      (inside) => {
        if (inside) throw foreignTransaction("this PGlite session is inside a transaction");
      },
      (error: unknown) => {
        probed = undefined;
        throw error;
      },
    );
    return probed;
  }
  return {
    kind: "pglite",
    inCallerTransaction: false,
    async read(fn) {
      await checked();
      return fn(outside);
    },
    async atomic(fn) {
      await checked();
      return db.transaction((tx) => fn(pgliteSession(tx)));
    },
  };
}
