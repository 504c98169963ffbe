import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createTestDatabase, testIngestedEvent } from "../test-kit/index.ts";
import type { Database } from "./client.ts";
import { findEventPage, insertEvents } from "./events.ts";
import { buildClosedDayIndexes } from "./partition-indexes.ts";
import { ensurePartitions } from "./partitions.ts";
import { nativeQuery } from "./rows.ts";

// A database per test: a build indexes every closed day it finds, so tests sharing one would see
// each other's days indexed, depending on their order.
let database: Database;
beforeEach(async () => {
  database = await createTestDatabase();
}, 60_000);
afterEach(() => database.close(), 60_000);

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const ACCOUNT = "closed-days";

async function indexesOf(table: string): Promise<{ name: string; valid: boolean }[]> {
  return nativeQuery(
    database,
    `select c.relname as name, x.indisvalid as valid from pg_index x join pg_class c on c.oid = x.indexrelid
     where x.indrelid = $1::regclass order by c.relname`,
    [table],
  );
}

/** The ids free-text search finds for `term` over 2027-03-01 … 2027-03-03, through the service's page query. */
async function searchIds(term: string): Promise<string[]> {
  const page = await findEventPage(database, {
    accountId: ACCOUNT,
    filter: { search: term },
    window: { start: day("2027-03-01"), end: day("2027-03-04") },
    limit: 50,
  });
  return page.map((r) => r.event.eventId).sort();
}

/** The plan of `query` with sequential and plain index scans off (a tiny table is otherwise cheaper to scan than to look up). */
async function explainWithoutScans(query: string): Promise<string> {
  const off = ["set local enable_seqscan = off", "set local enable_indexscan = off"];
  const rows = database.pg
    ? await database.pg.begin(async (tx) => {
        for (const s of off) await tx.unsafe(s);
        return tx.unsafe(`explain ${query}`);
      })
    : await database.pglite!.transaction(async (tx) => {
        for (const s of off) await tx.exec(s);
        return (await tx.query(`explain ${query}`)).rows;
      });
  return (rows as Record<string, string>[]).map((r) => Object.values(r)[0]).join("\n");
}

/** Three days, 1–3 March 2027, an event on each. */
async function seedThreeDays(): Promise<void> {
  await ensurePartitions(database, day("2027-03-01"), day("2027-03-03"));
  await insertEvents(database, [
    testIngestedEvent({ eventID: "cd-1", recipientAccountId: ACCOUNT, eventTime: "2027-03-01T10:00:00Z", userName: "Needle-user" }),
    testIngestedEvent({ eventID: "cd-2", recipientAccountId: ACCOUNT, eventTime: "2027-03-02T10:00:00Z", userName: "needle-lower" }),
    testIngestedEvent({ eventID: "cd-3", recipientAccountId: ACCOUNT, eventTime: "2027-03-03T10:00:00Z", userName: "Needle-open" }),
  ]);
}

describe("closed-day indexes", () => {
  test("only closed days get the search index; search finds the same on days with and without it", async () => {
    await seedThreeDays();
    // Nothing of the kind on a new day's partition: ingest does not pay for it.
    expect((await indexesOf("events_20270301")).map((i) => i.name)).not.toContain("events_20270301_search");
    const before = { upper: await searchIds("Needle"), id: await searchIds("cd-2"), json: await searchIds('"userName"') };

    // 3 March is the open day: 1 and 2 March are closed.
    const built = await buildClosedDayIndexes(database, new Date("2027-03-03T05:00:00Z"));
    expect(built).toEqual(expect.arrayContaining(["events_20270301_search", "events_20270302_search"]));
    expect(built).not.toContain("events_20270303_search");
    expect(await indexesOf("events_20270301")).toContainEqual({ name: "events_20270301_search", valid: true });
    expect((await indexesOf("events_20270303")).map((i) => i.name)).not.toContain("events_20270303_search");
    // Built once: a second run has nothing to do.
    expect(await buildClosedDayIndexes(database, new Date("2027-03-03T05:00:00Z"))).toEqual([]);

    // Case-sensitive substring over every value (ids and JSON included), whether the day is indexed or not.
    expect(before.upper).toEqual(["cd-1", "cd-3"]);
    expect(await searchIds("Needle")).toEqual(before.upper);
    expect(await searchIds("cd-2")).toEqual(["cd-2"]);
    expect(await searchIds("cd-2")).toEqual(before.id);
    expect(await searchIds('"userName"')).toEqual(before.json);
  });

  test("a closed day's search is read through its own index", async () => {
    await seedThreeDays();
    await buildClosedDayIndexes(database, day("2027-03-03"));
    const plan = await explainWithoutScans(`select event_id from events where search_text like '%Needle-user%'`);
    // Through the parent: a closed day by its own index, the open day by a scan.
    expect(plan).toContain("Bitmap Index Scan on events_20270301_search");
    expect(plan).not.toContain("events_20270303_search");
  });

  test("an index left invalid by an interrupted build is built again", async () => {
    await ensurePartitions(database, day("2027-03-05"), day("2027-03-05"));
    await buildClosedDayIndexes(database, day("2027-03-06"));
    await nativeQuery(database, `update pg_index set indisvalid = false where indexrelid = 'events_20270305_search'::regclass`);
    expect(await buildClosedDayIndexes(database, day("2027-03-06"))).toEqual(["events_20270305_search"]);
    expect(await indexesOf("events_20270305")).toContainEqual({ name: "events_20270305_search", valid: true });
  });
});

/**
 * The build must not stall ingest: with a transaction still writing the closed day (so the
 * concurrent build has to wait for it), 1-event ingests into that day and into the open day stay
 * fast. Only a server has concurrent sessions.
 */
describe.skipIf(!process.env.DATABASE_URL)("closed-day index builds never stall ingest (Postgres)", () => {
  test("while a writer of the closed day holds its transaction for 3 s, ingest into both days stays under 1 s", async () => {
    const pg = database.pg!;
    await ensurePartitions(database, day("2027-04-01"), day("2027-04-02"));
    const writer = await pg.reserve();
    const HOLD_MS = 3_000;
    try {
      // The lock an insert into that day holds until its transaction ends.
      await writer.unsafe("begin");
      await writer.unsafe("lock table events_20270401 in row exclusive mode");
      const t0 = performance.now();
      const build = buildClosedDayIndexes(database, day("2027-04-02"));
      const probes: number[] = [];
      while (performance.now() - t0 < HOLD_MS) {
        for (const time of ["2027-04-01T09:00:00Z", "2027-04-02T09:00:00Z"]) {
          const p0 = performance.now();
          await insertEvents(database, [testIngestedEvent({ eventID: crypto.randomUUID(), recipientAccountId: ACCOUNT, eventTime: time })]);
          probes.push(performance.now() - p0);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await writer.unsafe("commit");
      const built = await build;
      expect(built).toContain("events_20270401_search");
      expect(built).not.toContain("events_20270402_search");
      // The build had to wait for the writer: it finished only after the commit.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(HOLD_MS);
      expect(probes.length).toBeGreaterThan(4);
      expect(Math.max(...probes)).toBeLessThan(1_000);
    } finally {
      await writer.unsafe("rollback").catch(() => {});
      writer.release();
    }
  }, 60_000);
});
