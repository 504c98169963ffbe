/**
 * The edge's database: one postgres.js client per request (`max: 1`), closed once the response is
 * out. workerd refuses I/O on one request's socket from another request ("Cannot perform I/O on
 * behalf of a different request"), so a pool shared across requests fails; in production Cloudflare
 * Hyperdrive pools the server connections behind these short-lived clients. postgres.js's `workerd`
 * build speaks over `cloudflare:sockets` (nodejs_compat), so nativeQuery, cursors and the ingest
 * statement work as on the Bun server.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Database, Db } from "../db/client.ts";
import * as schema from "../db/schema/index.ts";
import { scopeTransactions } from "../db/transaction.ts";

/** A database handle that lives for one request; `close()` ends its connection. */
export interface RequestDatabase extends Database {
  readonly scope: "request";
}

export function openRequestDatabase(url: string, knownPartitions: Set<string>, statementTimeoutMs: number): RequestDatabase {
  const pg = postgres(url, {
    max: 1,
    // Every statement bounded by QUERY_TIMEOUT_MS, as on the Bun API (a startup parameter: no round trip).
    connection: { statement_timeout: statementTimeoutMs },
    // No type catalogue query on connect: every column read is a builtin type or json.
    fetch_types: false,
    onnotice: () => {},
  });
  const db = drizzle(pg, { schema }) as unknown as Db;
  // Scoped like the Bun server's database, so a call and its event commit in one transaction (record.ts).
  return scopeTransactions<RequestDatabase>(
    { scope: "request", kind: "postgres", db, pg, knownPartitions, close: () => pg.end({ timeout: 5 }) },
    AsyncLocalStorage,
  );
}
