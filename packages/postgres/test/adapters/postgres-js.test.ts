/** `fromPostgresJs`: a postgres.js transaction (`sql.begin`) as coinage's `Queryable`. */
import postgres from "postgres";
import { fromPostgresJs } from "../../src/adapters/postgres-js.js";
import { DATABASE_URL, skipServerTests } from "../support/server.js";
import { describeAdapter } from "./suite.js";

const skip = await skipServerTests("adapters/postgres-js.test.ts");

/** A transaction is a tagged template like `sql`, though its type does not say so. */
const tagged = (tx: postgres.TransactionSql) => tx as unknown as postgres.Sql;

describeAdapter<postgres.TransactionSql>(
  "fromPostgresJs",
  skip,
  async (schema) => {
    const sql = postgres(DATABASE_URL, {
      max: 2,
      onnotice: () => {},
      connection: { search_path: schema },
    });
    return {
      transaction: (fn) => sql.begin(fn) as Promise<Awaited<ReturnType<typeof fn>>>,
      insertOrder: async (tx, order) => {
        await tagged(tx)`INSERT INTO orders (id, user_id, total)
          VALUES (${order.id}, ${order.userId}, ${order.total})`;
      },
      orderIds: async (tx) =>
        (await tagged(tx)<{ id: string }[]>`SELECT id FROM orders ORDER BY id`).map(
          (row) => row.id,
        ),
      queryable: fromPostgresJs,
      outside: () => fromPostgresJs(sql),
      close: () => sql.end(),
    };
    // postgres.js does not recover from a session the server ended inside
    // `begin` (its rollback on the closed connection throws asynchronously).
  },
  { survivesTermination: false },
);
