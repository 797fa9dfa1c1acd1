/**
 * Statements and the sessions that run them. A `Statement` carries a name
 * derived from its text, so a node-postgres connection parses and plans it
 * once (a named prepared statement) and then only binds parameters. Clients
 * without named statements (PGlite, adapters over other libraries) run the
 * same text unnamed.
 */
import {
  isPgClient,
  type PGliteTransactionLike,
  type PgClientLike,
  type Queryable,
  type Row,
} from "./client.js";

/** One SQL statement with positional parameters and a stable name. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/**
 * A statement for `text`. The name is a hash of the text: the same text gets
 * the same name in every copy of this module (ESM and CJS builds sharing a
 * pool), and two texts never share one name.
 */
export function statement(text: string): Statement {
  return { name: statementName(text), text };
}

/** `coinage_` and 64 bits of two 32-bit FNV-style hashes of the text. */
function statementName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return `coinage_${hex(a)}${hex(b)}`;
}

/** One connection (inside a transaction, or autocommit for reads). */
export interface Session {
  /** Run a statement; rows as plain objects. */
  query(statement: Statement, values: readonly unknown[]): Promise<Row[]>;
  /** A statement without parameters, never prepared: `BEGIN`, `SAVEPOINT`, … */
  command(text: string): Promise<void>;
}

/** A session over any `Queryable`; named statements when it is a node-postgres client and `prepare` is on. */
export function querySession(client: Queryable, prepare: boolean): Session {
  if (prepare && isPgClient(client)) return pgSession(client);
  return {
    async query(stmt, values) {
      return (await client.query(stmt.text, [...values])).rows as Row[];
    },
    async command(text) {
      await client.query(text);
    },
  };
}

function pgSession(client: PgClientLike): Session {
  return {
    async query(stmt, values) {
      return (await client.query({ name: stmt.name, text: stmt.text, values: [...values] }))
        .rows as Row[];
    },
    async command(text) {
      await client.query(text);
    },
  };
}

/** A session over a PGlite instance or the transaction object it hands out. */
export function pgliteSession(
  target: Queryable & { exec?: PGliteTransactionLike["exec"] },
): Session {
  return {
    async query(stmt, values) {
      return (await target.query(stmt.text, [...values])).rows as Row[];
    },
    async command(text) {
      if (typeof target.exec === "function") await target.exec(text);
      else await target.query(text);
    },
  };
}

/** Runs async functions one after another. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
