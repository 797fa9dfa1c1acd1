/** `fromKysely`: a Kysely transaction (with a plugin that renames columns) as coinage's `Queryable`. */
import { CamelCasePlugin, Kysely, PostgresDialect, type Transaction } from "kysely";
import { fromKysely } from "../../src/adapters/kysely.js";
import { skipServerTests } from "../support/server.js";
import { describeAdapter, libraryPool } from "./suite.js";

interface Database {
  orders: { id: string; userId: string; total: string };
}

const skip = await skipServerTests("adapters/kysely.test.ts");

describeAdapter<Transaction<Database>>("fromKysely", skip, async (schema) => {
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: libraryPool() }),
    plugins: [new CamelCasePlugin()],
  }).withSchema(schema);
  return {
    transaction: (fn) => db.transaction().execute(fn),
    insertOrder: async (trx, order) => {
      await trx.insertInto("orders").values(order).execute();
    },
    orderIds: async (trx) =>
      (await trx.selectFrom("orders").select("id").orderBy("id").execute()).map((row) => row.id),
    queryable: fromKysely,
    outside: () => fromKysely(db),
    close: () => db.destroy(),
  };
});
