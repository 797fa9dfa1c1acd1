/**
 * node-postgres, typed for the few members the benchmarks use (the package
 * ships no types of its own, and the harness keeps its dependencies to the
 * ones it runs).
 */
import { createRequire } from "node:module";

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
}

export interface Queryable {
  query(text: string, values?: unknown[]): Promise<QueryResult>;
}

export interface PoolClient extends Queryable {
  release(destroy?: boolean | Error): void;
}

export interface Pool extends Queryable {
  readonly totalCount: number;
  readonly idleCount: number;
  connect(): Promise<PoolClient>;
  end(): Promise<void>;
}

export interface Client extends Queryable {
  connect(): Promise<void>;
  end(): Promise<void>;
}

interface PgModule {
  Pool: new (options: {
    connectionString: string;
    max?: number;
    connectionTimeoutMillis?: number;
  }) => Pool;
  Client: new (options: { connectionString: string; connectionTimeoutMillis?: number }) => Client;
}

const pg = createRequire(import.meta.url)("pg") as PgModule;

export const { Pool, Client } = pg;
