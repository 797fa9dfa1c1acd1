export type {
  PGliteLike,
  PGliteTransactionLike,
  PoolClientLike,
  PoolLike,
  PostgresClient,
  Queryable,
  QueryResultLike,
} from "./client.js";
export type { MigrateOptions, MigrateResult, Migration } from "./migrate.js";
export { migrate, migrations } from "./migrate.js";
export type { PostgresStoreOptions } from "./store.js";
export { postgresStore } from "./store.js";
