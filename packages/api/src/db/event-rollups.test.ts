import { type EventFilter, histogramBucketMs, type StoredEvent } from "@activity-log/core";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, testIngestedEvent } from "../test-kit/index.ts";
import type { Database } from "./client.ts";
import { deleteRollupsBefore, rollUpEvents } from "./event-rollups.ts";
import { eventHistogram, type EventQuery, insertEvents, liveHistogramRows, rollupHistogramRows } from "./events.ts";
import { ensurePartitions } from "./partitions.ts";
import { nativeQuery } from "./rows.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const DAY = 86_400_000;
const T0 = Date.parse("2026-11-20T12:00:00Z");
let seq = 0;

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACCOUNTS = ["roll-a", "roll-b"];
const NAMES = ["DescribeInstances", "RunInstances", "ListBuckets", "CreateUser"];

function randomEvents(rand: () => number, n: number, from: number, to: number): StoredEvent[] {
  return Array.from({ length: n }, () => {
    // Some events exactly on 5-minute boundaries, the rest anywhere (to the millisecond).
    const t = rand() < 0.1 ? Math.floor((from + rand() * (to - from)) / 300_000) * 300_000 : Math.floor(from + rand() * (to - from));
    return testIngestedEvent({
      eventID: `roll-${++seq}`,
      eventTime: new Date(t).toISOString(),
      eventName: NAMES[Math.floor(rand() * NAMES.length)],
      eventSource: "ec2.amazonaws.com",
      recipientAccountId: ACCOUNTS[rand() < 0.7 ? 0 : 1],
      project: "default",
      userName: "alice",
      ...(rand() < 0.2 ? { errorCode: "AccessDenied", errorMessage: "no" } : {}),
    });
  });
}

/** Windows of every bucket size the rollups serve, with edges on and off 5-minute boundaries. */
function randomWindows(rand: () => number): EventQuery["window"][] {
  const out: EventQuery["window"][] = [
    { start: new Date(T0 - 30 * DAY), end: new Date(T0) },
    { start: new Date(T0 - 7 * DAY + 1), end: new Date(T0 + 12_345) },
    { start: new Date(T0 - DAY), end: new Date(T0 - 300_000) },
  ];
  for (let i = 0; i < 6; i++) {
    const span = [3 * 3_600_000, 8 * 3_600_000, DAY, 3 * DAY, 10 * DAY][Math.floor(rand() * 5)]!;
    const end = T0 - Math.floor(rand() * 2 * DAY);
    out.push({ start: new Date(end - span - Math.floor(rand() * 600_000)), end: new Date(end) });
  }
  return out;
}

const FILTERS: EventFilter[] = [{}, { readOnly: true }, { readOnly: false }, { errorsOnly: true }, { readOnly: false, errorsOnly: true }];

async function expectRollupsMatchLive(database: Database, rand: () => number) {
  for (const window of randomWindows(rand)) {
    for (const accountId of [...ACCOUNTS, "roll-none"]) {
      for (const filter of FILTERS) {
        const q: EventQuery = { accountId, filter, window };
        const bucketMs = histogramBucketMs(window);
        expect(bucketMs).toBeGreaterThanOrEqual(300_000);
        const viaRollups = await rollupHistogramRows(database, q, bucketMs);
        expect(viaRollups).not.toBeNull();
        const norm = (rows: { b: unknown; ro: unknown; w: unknown }[]) =>
          Object.fromEntries(
            rows
              .filter((r) => Number(r.ro) + Number(r.w) > 0)
              .map((r) => [Number(r.b), [Number(r.ro), Number(r.w)]] as const)
              .sort((a, b) => a[0] - b[0]),
          );
        expect(norm(viaRollups!)).toEqual(norm(await liveHistogramRows(database, q, bucketMs)));
      }
    }
  }
}

async function expectEveryEventCountedOnce(database: Database) {
  const [rolled] = await nativeQuery<{ n: string }>(database, `select sum(n)::text as n from event_rollups`);
  const [all] = await nativeQuery<{ n: string }>(database, `select count(*)::text as n from events`);
  expect(rolled!.n).toBe(all!.n);
}

describe("histogram rollups", () => {
  test("equal the live counts on random data: before any run, part rolled up, more inserted, late events", async () => {
    // A database of its own: "before any run" means before any other test's run too.
    const database = await createTestDatabase();
    try {
      const rand = prng(42);
      // No run yet: the rollups cannot answer; the histogram is live.
      expect(
        await rollupHistogramRows(database, { accountId: "roll-a", filter: {}, window: { start: new Date(T0 - DAY), end: new Date(T0) } }, 900_000),
      ).toBeNull();
      await insertEvents(database, randomEvents(rand, 1500, T0 - 30 * DAY, T0));
      expect((await rollUpEvents(database)).ran).toBe(true);
      await expectRollupsMatchLive(database, rand);
      // More events, into old and new buckets alike (late arrivals), not rolled up yet.
      await insertEvents(database, randomEvents(rand, 800, T0 - 30 * DAY, T0 + 60_000));
      await insertEvents(database, randomEvents(rand, 300, T0 - 2 * DAY, T0));
      await expectRollupsMatchLive(database, rand);
      const run = await rollUpEvents(database);
      expect(run.buckets).toBeGreaterThan(0);
      await expectRollupsMatchLive(database, rand);
      // A run with nothing new changes nothing.
      expect((await rollUpEvents(database)).buckets).toBe(0);
      await insertEvents(database, randomEvents(rand, 500, T0 - 5 * DAY, T0));
      await rollUpEvents(database);
      await insertEvents(database, randomEvents(rand, 200, T0 - 5 * DAY, T0));
      await expectRollupsMatchLive(database, rand);
      // The histogram itself takes the rollup path and agrees with the live one bucket by bucket.
      const q: EventQuery = { accountId: "roll-a", filter: {}, window: { start: new Date(T0 - 30 * DAY), end: new Date(T0) } };
      const h = await eventHistogram(database, q);
      const live = new Map((await liveHistogramRows(database, q, h.bucketMs)).map((r) => [Number(r.b), r]));
      for (const b of h.buckets) {
        const r = live.get(b.start.getTime());
        expect([b.readOnly, b.write]).toEqual([Number(r?.ro ?? 0), Number(r?.w ?? 0)]);
      }
      expect(h.buckets.reduce((s, b) => s + b.readOnly + b.write, 0)).toBeGreaterThan(1000);
    } finally {
      await database.close();
    }
  });

  test("other filters and 1-minute buckets use the live query", async () => {
    const w = { start: new Date(T0 - DAY), end: new Date(T0) };
    expect(await rollupHistogramRows(database, { accountId: "roll-a", filter: { eventName: "RunInstances" }, window: w }, 900_000)).toBeNull();
    expect(await rollupHistogramRows(database, { accountId: "roll-a", filter: {}, window: w }, 60_000)).toBeNull();
  });

  test("concurrent runs count each event once", async () => {
    const rand = prng(7);
    await insertEvents(database, randomEvents(rand, 400, T0 - 3 * DAY, T0));
    const runs = await Promise.all([rollUpEvents(database), rollUpEvents(database), rollUpEvents(database)]);
    expect(runs.some((r) => r.ran && r.buckets > 0)).toBe(true);
    await expectEveryEventCountedOnce(database);
    await expectRollupsMatchLive(database, rand);
  });

  test.if(Boolean(process.env.DATABASE_URL))("an open ingest transaction is counted live until a later run", async () => {
    // The partition its raw insert needs (ingest would create it).
    await ensurePartitions(database, new Date(T0 - 3_600_000), new Date(T0 - 3_600_000));
    const conn = await database.pg!.reserve();
    try {
      await conn`begin`;
      await conn.unsafe(
        `insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name, search_text)
        values ('roll-a', 'default', $1, 'open-tx', 'RunInstances', 'AwsApiCall', 'ec2', false, 'alice', '')`,
        [new Date(T0 - 3_600_000).toISOString()],
      );
      const [open] = await conn`select pg_current_xact_id()::text as x`;
      const run = await rollUpEvents(database);
      expect(BigInt(run.horizonTo!)).toBeLessThanOrEqual(BigInt(open!.x)); // not counted by this run
      await conn`commit`;
    } finally {
      conn.release();
    }
    await expectRollupsMatchLive(database, prng(9));
    await rollUpEvents(database);
    await expectRollupsMatchLive(database, prng(9));
    await expectEveryEventCountedOnce(database);
  });

  test("retention deletes the rollups of the days whose partitions are dropped", async () => {
    // A database of its own: deleting rollups without dropping the events would leave the shared one inconsistent for other tests.
    const database = await createTestDatabase();
    try {
      await insertEvents(database, randomEvents(prng(11), 500, T0 - 30 * DAY, T0));
      await rollUpEvents(database);
      const cutoff = new Date(T0 - 10 * DAY + 3_600_000);
      await deleteRollupsBefore(database, cutoff);
      const [row] = await nativeQuery<{ oldest: Date }>(database, `select min(bucket_start) as oldest from event_rollups`);
      expect(new Date(row!.oldest).getTime()).toBeGreaterThanOrEqual(T0 - 10 * DAY - 12 * 3_600_000); // UTC midnight of the cutoff's day
    } finally {
      await database.close();
    }
  });
});
