/**
 * The Postgres floor: a minimal, hand-written transaction with the same
 * durable effects as one coinage command (the statements of
 * `bench-floor/*.sql` in the repository's design notes), sent through
 * node-postgres as named prepared statements, on a connection of the same
 * pool size, in the same rounds as the store. It pays the same client and
 * protocol costs as the store and none of its logic.
 *
 * Redeem: claim a request id, lock the account, read up to 10 open lots
 * earliest-expiry first, take one coin from the first, append an entry,
 * bump the account, commit. Allocate: lock the account, insert a lot,
 * append an entry, claim a request id, bump the account, commit. Each
 * account starts with 5 open lots (remaining large enough never to run out).
 */
import type * as pg from "./pg.js";

const OPEN_LOTS = 5;

/** node-postgres runs a `{ name, text, values }` config as a named prepared statement. */
interface NamedQueries {
  query(config: { name: string; text: string; values: unknown[] }): Promise<pg.QueryResult>;
  query(text: string): Promise<pg.QueryResult>;
}

interface Named {
  readonly name: string;
  readonly text: string;
}

export interface Floor {
  /** One command's transaction for `userId` (a user id of the benchmark's plan). */
  run(pool: pg.Pool, op: "allocate" | "redeem", userId: string, requestId: string): Promise<void>;
  /** How many entries the floor has written (one per command). */
  entries(admin: pg.Pool): Promise<number>;
}

/** Create the floor's tables in `schema` (which must not exist) with an account per user. */
export async function createFloor(
  admin: pg.Pool,
  schema: string,
  users: readonly string[],
): Promise<Floor> {
  const s = `"${schema.replace(/"/g, '""')}"`;
  await admin.query(`CREATE SCHEMA ${s}`);
  await admin.query(`CREATE TABLE ${s}.accounts (
    id bigint PRIMARY KEY, version bigint NOT NULL DEFAULT 0, balance numeric NOT NULL DEFAULT 0)`);
  await admin.query(`CREATE TABLE ${s}.lots (
    id bigserial PRIMARY KEY, account_id bigint NOT NULL, remaining numeric NOT NULL,
    expires_at timestamptz NOT NULL)`);
  await admin.query(
    `CREATE INDEX lots_open_idx ON ${s}.lots (account_id, expires_at) WHERE remaining > 0`,
  );
  await admin.query(`CREATE TABLE ${s}.entries (
    id bigserial PRIMARY KEY, account_id bigint NOT NULL, coins numeric NOT NULL,
    at timestamptz NOT NULL DEFAULT now())`);
  await admin.query(`CREATE TABLE ${s}.idempotency (
    program text NOT NULL, request_id text NOT NULL, PRIMARY KEY (program, request_id))`);
  const ids = new Map<string, number>(users.map((user, i) => [user, i + 1]));
  await admin.query(
    `INSERT INTO ${s}.accounts (id, version, balance)
     SELECT g, 0, ${OPEN_LOTS} * 1000000 FROM generate_series(1, $1::int) g`,
    [users.length],
  );
  await admin.query(
    `INSERT INTO ${s}.lots (account_id, remaining, expires_at)
     SELECT a, 1000000, now() + (random() * interval '365 days')
     FROM generate_series(1, $1::int) a, generate_series(1, ${OPEN_LOTS}) k ORDER BY a, k`,
    [users.length],
  );
  await admin.query(`VACUUM ANALYZE ${s}.accounts, ${s}.lots`);

  const named = (key: string, text: string): Named => ({ name: `floor_${schema}_${key}`, text });
  const redeem = [
    named("r1", `INSERT INTO ${s}.idempotency (program, request_id) VALUES ('bench', $1)`),
    named("r2", `SELECT id, version, balance FROM ${s}.accounts WHERE id = $1 FOR NO KEY UPDATE`),
    named(
      "r3",
      `SELECT id, remaining FROM ${s}.lots WHERE account_id = $1 AND remaining > 0
       ORDER BY expires_at, id LIMIT 10`,
    ),
    named(
      "r4",
      `UPDATE ${s}.lots SET remaining = remaining - 1
       WHERE id = (SELECT id FROM ${s}.lots WHERE account_id = $1 AND remaining > 0
                   ORDER BY expires_at, id LIMIT 1)`,
    ),
    named("r5", `INSERT INTO ${s}.entries (account_id, coins, at) VALUES ($1, -1, now())`),
    named(
      "r6",
      `UPDATE ${s}.accounts SET version = version + 1, balance = balance - 1 WHERE id = $1`,
    ),
  ];
  const allocate = [
    named("a1", `SELECT id, version, balance FROM ${s}.accounts WHERE id = $1 FOR NO KEY UPDATE`),
    named(
      "a2",
      `INSERT INTO ${s}.lots (account_id, remaining, expires_at)
       VALUES ($1, 100, now() + interval '365 days')`,
    ),
    named("a3", `INSERT INTO ${s}.entries (account_id, coins, at) VALUES ($1, 100, now())`),
    named("a4", `INSERT INTO ${s}.idempotency (program, request_id) VALUES ('bench', $1)`),
    named(
      "a5",
      `UPDATE ${s}.accounts SET version = version + 1, balance = balance + 100 WHERE id = $1`,
    ),
  ];
  /** The parameters of each statement: the request id for the claim, the account id otherwise. */
  const claims = new Set(["r1", "a4"]);

  return {
    async run(pool, op, userId, requestId) {
      const id = ids.get(userId);
      if (id === undefined) throw new Error(`the floor has no account for ${userId}`);
      const client = (await pool.connect()) as pg.PoolClient & NamedQueries;
      try {
        await client.query("BEGIN");
        for (const statement of op === "redeem" ? redeem : allocate) {
          const key = statement.name.slice(statement.name.lastIndexOf("_") + 1);
          await client.query({
            name: statement.name,
            text: statement.text,
            values: [claims.has(key) ? requestId : id],
          });
        }
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async entries(pool) {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${s}.entries`);
      return Number(rows[0]?.n);
    },
  };
}
