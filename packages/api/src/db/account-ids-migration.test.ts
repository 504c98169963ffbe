// Migration 0012_account_ids on a database from before it: the account named `acme` gets a 12-digit
// id, keeps `acme` as alias, and every row that names it moves to the id — the tables of the first
// version and those added since (event_ids, local_buckets) alike.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { testIngestedEvent } from "../test-kit/index.ts";
import { type Database, type Db, MIGRATIONS_FOLDER } from "./client.ts";
import { insertEvents } from "./events.ts";
import * as schema from "./schema/index.ts";

const BEFORE = "0012_account_ids";
let pglite: PGlite;
let database: Database;
let before: string;

/** The migrations folder as it was before `tag`. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "al-migrations-"));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

const query = async <T>(sql: string, params: unknown[] = []) => (await pglite.query<T>(sql, params)).rows;

beforeAll(async () => {
  before = migrationsBefore(BEFORE);
  pglite = await PGlite.create(undefined, { extensions: { pg_trgm } });
  const db = drizzle(pglite, { schema }) as unknown as Db;
  database = { kind: "pglite", db, pglite, close: () => pglite.close() };
  await migrate(db as never, { migrationsFolder: before });
}, 120_000);

afterAll(async () => {
  await pglite?.close();
  rmSync(before, { recursive: true, force: true });
});

test("an account named by its name gets a 12-digit id and keeps the name as alias; every row naming it moves", async () => {
  // The first version's account, as its code wrote it: the name is the id.
  await query(`insert into accounts (id) values ('acme'), ('globex')`);
  await query(`insert into projects (account_id, name) values ('acme', 'default'), ('globex', 'default')`);
  await query(`insert into users (account_id, name, is_system) values ('acme', 'alice', false)`);
  await query(`insert into subscriptions (account_id, active) values ('acme', true)`);
  await query(`insert into local_buckets (name, account_id, project) values ('acme-audit', 'acme', 'default')`);
  const event = testIngestedEvent({ recipientAccountId: "acme", eventTime: new Date(Date.now() - 3_600_000).toISOString() });
  await insertEvents(database, [event]);
  expect(await query(`select account_id from event_ids`)).toEqual([{ account_id: "acme" }]);

  await migrate(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });

  const accounts = await query<{ id: string; alias: string }>(`select id, alias from accounts order by alias`);
  expect(accounts.map((a) => a.alias)).toEqual(["acme", "globex"]);
  for (const a of accounts) expect(a.id).toMatch(/^\d{12}$/);
  expect(accounts[0]!.id).not.toBe(accounts[1]!.id);
  const acme = accounts[0]!.id;
  const owners = async (table: string) => (await query<{ account_id: string }>(`select distinct account_id from ${table}`)).map((r) => r.account_id).sort();
  expect(await owners("projects")).toEqual([acme, accounts[1]!.id].sort());
  for (const table of ["users", "subscriptions", "local_buckets", "event_ids", "events"]) expect([table, await owners(table)]).toEqual([table, [acme]]);
  expect(await query(`select event_id from events where account_id = $1`, [acme])).toEqual([{ event_id: event.eventId }]);
}, 120_000);
