import postgres from "postgres";
import { openDatabase, type Database } from "../db/client.ts";

/**
 * A fresh, migrated database for one test file: a new database on the server named by
 * DATABASE_URL (dropped by `close`), or an in-memory PGlite when it is unset.
 */
export async function createTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ dataDir: undefined });
  const name = `al_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const database = await openDatabase({ url: testUrl.toString() });
  const close = database.close;
  database.close = async () => {
    await close();
    const dropper = postgres(url, { max: 1, onnotice: () => {} });
    await dropper.unsafe(`drop database if exists "${name}" with (force)`);
    await dropper.end();
  };
  return database;
}
