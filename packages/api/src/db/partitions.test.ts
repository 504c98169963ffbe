import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, testIngestedEvent } from "../test-kit/index.ts";
import type { Database } from "./client.ts";
import { insertEvents } from "./events.ts";
import { dropPartitionsBefore, ensurePartitions, listPartitions } from "./partitions.ts";
import { nativeQuery } from "./rows.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);
afterAll(() => database.close(), 60_000);

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

async function indexCount(table: string): Promise<number> {
  const [row] = await nativeQuery<{ n: number }>(database, `select count(*)::int as n from pg_indexes where tablename = $1`, [table]);
  return row?.n ?? 0;
}

describe("day partitions", () => {
  test("created partitions are attached with every index of events, and take that day's events", async () => {
    await ensurePartitions(database, day("2027-02-01"), day("2027-02-02"));
    const names = (await listPartitions(database)).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["events_20270201", "events_20270202"]));
    expect(await indexCount("events_20270201")).toBe(await indexCount("events"));
    const e = testIngestedEvent({ eventID: crypto.randomUUID(), recipientAccountId: "parts", eventTime: "2027-02-01T23:59:59Z" });
    expect(await insertEvents(database, [e])).toEqual({ accepted: 1, duplicates: 0 });
    const [row] = await nativeQuery<{ part: string }>(database, `select tableoid::regclass::text as part from events where event_id = $1`, [e.eventId]);
    expect(row?.part).toBe("events_20270201");
  });

  test("expired days are dropped: no partition, no table, nothing left of their events", async () => {
    await ensurePartitions(database, day("2026-05-01"), day("2026-05-02"));
    await insertEvents(database, [testIngestedEvent({ eventID: crypto.randomUUID(), recipientAccountId: "parts", eventTime: "2026-05-01T12:00:00Z" })]);
    const dropped = await dropPartitionsBefore(database, day("2026-05-02"));
    expect(dropped).toContain("events_20260501");
    expect(dropped).not.toContain("events_20260502");
    const [left] = await nativeQuery<{ n: number }>(database, `select count(*)::int as n from pg_class where relname = 'events_20260501'`);
    expect(left?.n).toBe(0);
    expect((await listPartitions(database)).map((p) => p.name)).toContain("events_20260502");
  });
});

/**
 * A report's cursor (and an insert held in the same transaction) stays open for 10 s while the
 * worker's partition work runs: creating days ahead must not wait for it, dropping expired days
 * waits without blocking anyone, and a 1-event ingest probe stays fast throughout. Only a server
 * has concurrent sessions (PGlite runs one statement at a time).
 */
describe.skipIf(!process.env.DATABASE_URL)("partition changes never stall ingest (Postgres)", () => {
  test("with a report cursor open for 10 s, creation ahead and the drop run while 1-event ingests stay under 1 s", async () => {
    const pg = database.pg!;
    await ensurePartitions(database, day("2026-11-20"), day("2026-11-20"));
    await ensurePartitions(database, day("2026-04-01"), day("2026-04-01"));
    await insertEvents(database, [testIngestedEvent({ eventID: crypto.randomUUID(), recipientAccountId: "stall", eventTime: "2026-04-01T12:00:00Z" })]);
    await insertEvents(database, [testIngestedEvent({ eventID: crypto.randomUUID(), recipientAccountId: "stall", eventTime: "2026-11-20T12:00:00Z" })]);

    const reader = await pg.reserve();
    const HOLD_MS = 10_000;
    const started = performance.now();
    let cursorClosedAt = 0;
    try {
      await reader.unsafe("begin");
      await reader.unsafe(`insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name, search_text)
        values ('stall', 'default', '2026-11-20T13:00:00Z', '${crypto.randomUUID()}', 'Held', 'AwsApiCall', 'ec2', false, 'u', 'held')`);
      await reader.unsafe("declare report cursor for select * from events where account_id = 'stall' order by event_time");
      await reader.unsafe("fetch 1 from report");

      let createdAt = 0;
      let droppedAt = 0;
      const partitionWork = (async () => {
        await ensurePartitions(database, day("2027-03-01"), day("2027-03-07"));
        createdAt = performance.now();
        await dropPartitionsBefore(database, day("2026-04-02"));
        droppedAt = performance.now();
      })();

      const probes: number[] = [];
      while (performance.now() - started < HOLD_MS) {
        const t = performance.now();
        const e = testIngestedEvent({ eventID: crypto.randomUUID(), recipientAccountId: "probe", eventTime: "2026-11-20T14:00:00Z" });
        expect(await insertEvents(database, [e])).toEqual({ accepted: 1, duplicates: 0 });
        probes.push(performance.now() - t);
        await Bun.sleep(200);
      }
      await reader.unsafe("commit");
      cursorClosedAt = performance.now();
      await partitionWork;

      expect(probes.length).toBeGreaterThan(10);
      expect(Math.max(...probes)).toBeLessThan(1_000);
      // Creating ahead finished while the cursor was still open; the drop completed once it closed.
      expect(createdAt).toBeGreaterThan(0);
      expect(createdAt).toBeLessThan(cursorClosedAt);
      expect(droppedAt).toBeGreaterThan(0);
      const names = (await listPartitions(database)).map((p) => p.name);
      expect(names).toContain("events_20270307");
      expect(names).not.toContain("events_20260401");
    } finally {
      await reader.unsafe("rollback").catch(() => {});
      reader.release();
    }
  }, 60_000);
});
