import type { Database } from "./client.ts";

/**
 * Runs `work` only if no other worker holds `key`; returns false without running it otherwise.
 *
 * On a Postgres server: a session-level advisory lock on a reserved connection. It takes no
 * transaction id (so it never holds back the snapshot horizon trail delivery relies on), it spans
 * several short transactions, and a crashed worker's lock disappears with its connection.
 * On PGlite (one process, one session, where advisory locks are re-entrant): an in-process set.
 */
export async function withExclusive(database: Database, key: string, work: () => Promise<void>): Promise<boolean> {
  if (database.pg) {
    const conn = await database.pg.reserve();
    try {
      const [row] = await conn`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as ok`;
      if (!row?.ok) return false;
      try {
        await work();
      } finally {
        await conn`select pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => {});
      }
      return true;
    } finally {
      conn.release();
    }
  }
  const held = heldKeys(database);
  if (held.has(key)) return false;
  held.add(key);
  try {
    await work();
  } finally {
    held.delete(key);
  }
  return true;
}

const heldByDatabase = new WeakMap<Database, Set<string>>();

function heldKeys(database: Database): Set<string> {
  const held = heldByDatabase.get(database) ?? new Set<string>();
  heldByDatabase.set(database, held);
  return held;
}
