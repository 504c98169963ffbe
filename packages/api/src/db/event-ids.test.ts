import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, testIngestedEvent } from "../test-kit/index.ts";
import type { Database } from "./client.ts";
import { insertEvents } from "./events.ts";
import { dropPartitionsBefore } from "./partitions.ts";
import { nativeQuery } from "./rows.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);
afterAll(() => database.close(), 60_000);

const unique = (name: string) => `${name}-${crypto.randomUUID()}`;

async function storedTimes(accountId: string, eventId: string): Promise<string[]> {
  const rows = await nativeQuery<{ t: string }>(
    database,
    `select to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as t from events where account_id = $1 and event_id = $2 order by 1`,
    [accountId, eventId],
  );
  return rows.map((r) => r.t);
}

describe("an eventID is stored once within retention, whatever its eventTime", () => {
  test("a repeat at another time (another day) is a duplicate", async () => {
    const id = unique("moved");
    const first = testIngestedEvent({ eventID: id, recipientAccountId: "ids-a", eventTime: "2026-11-20T10:00:00Z" });
    const later = testIngestedEvent({ eventID: id, recipientAccountId: "ids-a", eventTime: "2026-11-22T18:30:00Z", eventName: "Other" });
    expect(await insertEvents(database, [first])).toEqual({ accepted: 1, duplicates: 0 });
    expect(await insertEvents(database, [later])).toEqual({ accepted: 0, duplicates: 1 });
    expect(await storedTimes("ids-a", id)).toEqual(["2026-11-20T10:00:00Z"]);
  });

  test("within one batch the first occurrence wins, the rest of the batch is stored", async () => {
    const id = unique("batch");
    const other = unique("other");
    const batch = [
      testIngestedEvent({ eventID: id, recipientAccountId: "ids-a", eventTime: "2026-11-21T09:00:00Z" }),
      testIngestedEvent({ eventID: other, recipientAccountId: "ids-a", eventTime: "2026-11-21T09:00:01Z" }),
      testIngestedEvent({ eventID: id, recipientAccountId: "ids-a", eventTime: "2026-11-21T08:00:00Z" }),
    ];
    expect(await insertEvents(database, batch)).toEqual({ accepted: 2, duplicates: 1 });
    expect(await storedTimes("ids-a", id)).toEqual(["2026-11-21T09:00:00Z"]);
    expect(await storedTimes("ids-a", other)).toHaveLength(1);
  });

  test("the same id in two accounts is two events", async () => {
    const id = unique("shared");
    const a = testIngestedEvent({ eventID: id, recipientAccountId: "ids-a", eventTime: "2026-11-21T09:00:00Z" });
    const b = testIngestedEvent({ eventID: id, recipientAccountId: "ids-b", eventTime: "2026-11-21T10:00:00Z" });
    expect(await insertEvents(database, [a, b])).toEqual({ accepted: 2, duplicates: 0 });
  });

  test("concurrent batches repeating one id at different times store it once", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => unique(`race-${i}`));
    const batch = (hour: number) =>
      ids.map((id) => testIngestedEvent({ eventID: id, recipientAccountId: "ids-race", eventTime: `2026-11-21T${String(hour).padStart(2, "0")}:00:00Z` }));
    // Opposite orders: the key is claimed in key order, so they wait on each other instead of deadlocking.
    const results = await Promise.all([insertEvents(database, batch(1)), insertEvents(database, batch(2).reverse()), insertEvents(database, batch(3))]);
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(ids.length);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(2 * ids.length);
    const [row] = await nativeQuery<{ n: number }>(database, `select count(*)::int as n from events where account_id = 'ids-race'`);
    expect(row?.n).toBe(ids.length);
  });

  test("once its day is dropped by retention, the id may be stored again", async () => {
    const id = unique("expired");
    const old = testIngestedEvent({ eventID: id, recipientAccountId: "ids-ret", eventTime: "2026-09-02T10:00:00Z" });
    const keep = testIngestedEvent({ eventID: unique("kept"), recipientAccountId: "ids-ret", eventTime: "2026-11-21T10:00:00Z" });
    // Two batches: one batch spanning both days would create every day's partition in between.
    await insertEvents(database, [old]);
    await insertEvents(database, [keep]);
    await dropPartitionsBefore(database, new Date("2026-09-03T00:00:00Z"));
    expect(await storedTimes("ids-ret", id)).toEqual([]);
    // The kept day's key stays: its id is still a duplicate.
    expect(await insertEvents(database, [{ ...keep, eventTime: new Date("2026-11-21T11:00:00Z") }])).toEqual({ accepted: 0, duplicates: 1 });
    const again = testIngestedEvent({ eventID: id, recipientAccountId: "ids-ret", eventTime: "2026-11-21T12:00:00Z" });
    expect(await insertEvents(database, [again])).toEqual({ accepted: 1, duplicates: 0 });
  }, 60_000);
});
