import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { rowsOf } from "./client.ts";
import { createTestDatabase } from "../test-kit/database.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

test("migrations create the regular tables and the partitioned events table", async () => {
  const tables = await rowsOf<{ relname: string; relkind: string }>(
    database.db,
    sql`select relname, relkind::text from pg_class where relname in ('accounts','users','access_keys','trails','reports','events')`,
  );
  const kinds = Object.fromEntries(tables.map((t) => [t.relname, t.relkind]));
  expect(kinds).toEqual({ accounts: "r", users: "r", access_keys: "r", trails: "r", reports: "r", events: "p" });
});

test("a day partition is created once, even when asked twice", async () => {
  await database.db.execute(sql`select activity_log_ensure_event_partition('2026-11-20'::date)`);
  await database.db.execute(sql`select activity_log_ensure_event_partition('2026-11-20'::date)`);
  const parts = await rowsOf<{ n: number }>(database.db, sql`select count(*)::int as n from pg_inherits where inhparent = 'events'::regclass`);
  expect(parts[0]?.n).toBe(1);
});
