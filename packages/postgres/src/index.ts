export { postgresStore } from "./store.js";
export type { PostgresStoreOptions } from "./store.js";
export { migrate, migrations } from "./migrate.js";
export type { Migration, MigrateOptions, MigrateResult } from "./migrate.js";
export type {
  PGliteLike,
  PGliteTransactionLike,
  PoolClientLike,
  PoolLike,
  PostgresClient,
  Queryable,
  QueryResultLike,
} from "./client.js";
