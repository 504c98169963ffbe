import type { IngestEventInput, StoredEvent } from "@activity-log/core";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, testAccountId, testIngestedEvent } from "../test-kit/index.ts";
import type { Database } from "./client.ts";
import { escapeLike, estimateEventCount, eventHistogram, findEventPage, getEvent, insertEvents, streamEvents } from "./events.ts";
import { nativeQuery } from "./rows.ts";
import { dropPartitionsBefore, ensurePartitions, listPartitions } from "./partitions.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const T0 = Date.parse("2026-11-20T12:00:00Z");

const window = { start: new Date(T0 - 86_400_000 * 5), end: new Date(T0 + 86_400_000) };

describe("insertEvents", () => {
  test("stores a batch and counts duplicates, also within one batch", async () => {
    const a = testIngestedEvent({ eventID: "dup-a" });
    const b = testIngestedEvent({ eventID: "dup-b" });
    expect(await insertEvents(database, [a, b, a])).toEqual({ accepted: 2, duplicates: 1 });
    expect(await insertEvents(database, [a, b])).toEqual({ accepted: 0, duplicates: 2 });
    const got = await getEvent(database, testAccountId("acme"), "dup-a");
    expect(got).toEqual(a);
  });

  test("is all-or-nothing: one bad row stores nothing", async () => {
    const good = testIngestedEvent({ eventID: "atomic-good" });
    const bad = { ...testIngestedEvent({ eventID: "atomic-bad" }), userName: "nul\u0000" };
    await expect(insertEvents(database, [good, bad])).rejects.toThrow();
    expect(await getEvent(database, testAccountId("acme"), "atomic-good")).toBeNull();
  });

  test("creates the day partitions a batch needs", async () => {
    const e = testIngestedEvent({ eventID: "far-day", eventTime: "2026-10-01T23:59:59.999Z", recipientAccountId: "other" });
    await insertEvents(database, [e]);
    const names = (await listPartitions(database)).map((p) => p.name);
    expect(names).toContain("events_20261001");
  });

  test("getEvent never crosses accounts", async () => {
    await insertEvents(database, [testIngestedEvent({ eventID: "other-only", recipientAccountId: "other" })]);
    expect(await getEvent(database, testAccountId("acme"), "other-only")).toBeNull();
    expect((await getEvent(database, "other", "other-only"))?.eventId).toBe("other-only");
  });
});

describe("filters", () => {
  const acct = "filters";
  const events: StoredEvent[] = [];
  beforeAll(async () => {
    const spec: Partial<IngestEventInput>[] = [
      { eventName: "DescribeInstances", userName: "alice", project: "web", accessKeyId: "AK1" },
      { eventName: "TerminateInstances", userName: "bob", project: "db", requestParameters: { InstanceId: ["i-0abc"] } },
      { eventName: "StopInstances", userName: "Bob", eventSource: "ec2.amazonaws.com", errorCode: "Client.UnauthorizedOperation", errorMessage: "no" },
      { eventName: "CreateBucket", eventSource: "s3.amazonaws.com", requestParameters: { bucketName: "logs_100%" } },
      { eventName: "ConsoleLogin", eventType: "AwsConsoleSignIn", userName: "carol" },
    ];
    for (const [i, s] of spec.entries()) events.push(testIngestedEvent({ recipientAccountId: acct, eventTime: new Date(T0 - i * 60_000).toISOString(), ...s }));
    await insertEvents(database, events);
  });

  const names = async (filter: object) => (await findEventPage(database, { accountId: acct, filter, window, limit: 100 })).map((r) => r.event.eventName);

  test("no filter: newest first", async () => {
    expect(await names({})).toEqual(["DescribeInstances", "TerminateInstances", "StopInstances", "CreateBucket", "ConsoleLogin"]);
  });
  test.each([
    [{ eventName: "StopInstances" }, ["StopInstances"]],
    [{ eventName: "stopinstances" }, []],
    [{ readOnly: true }, ["DescribeInstances"]],
    [{ readOnly: false }, ["TerminateInstances", "StopInstances", "CreateBucket", "ConsoleLogin"]],
    [{ userName: "bob" }, ["TerminateInstances"]],
    [{ userName: "Bob" }, ["StopInstances"]],
    [{ project: "db" }, ["TerminateInstances"]],
    [{ eventSource: "s3.amazonaws.com" }, ["CreateBucket"]],
    [{ accessKeyId: "AK1" }, ["DescribeInstances"]],
    [{ errorsOnly: true }, ["StopInstances"]],
    [{ resourceName: "i-0abc" }, ["TerminateInstances"]],
    [{ resourceName: "i-0ab" }, []],
    [{ resourceType: "AWS::EC2::Instance" }, ["TerminateInstances"]],
    [{ resourceType: "AWS::S3::Bucket" }, ["CreateBucket"]],
    [{ search: "i-0ab" }, ["TerminateInstances"]],
    [{ search: "I-0AB" }, []],
    [{ search: "s_100%" }, ["CreateBucket"]],
    [{ search: "s%100" }, []],
    [{ eventName: "StopInstances", userName: "bob" }, []],
    [{ eventSource: "ec2.amazonaws.com", readOnly: false, userName: "bob" }, ["TerminateInstances"]],
  ])("%j", async (filter, expected) => {
    expect(await names(filter)).toEqual(expected);
  });
  test("eventId", async () => {
    expect(await names({ eventId: events[3]!.eventId })).toEqual(["CreateBucket"]);
  });
  test("the window bounds are inclusive", async () => {
    const at = new Date(T0 - 2 * 60_000);
    const page = await findEventPage(database, { accountId: acct, filter: {}, window: { start: at, end: at }, limit: 10 });
    expect(page.map((r) => r.event.eventName)).toEqual(["StopInstances"]);
  });
  test("escapeLike", () => {
    expect(escapeLike("a%b_c\\d")).toBe("a\\%b\\_c\\\\d");
  });

  test("histogram splits read and write per bucket", async () => {
    const h = await eventHistogram(database, { accountId: acct, filter: {}, window: { start: new Date(T0 - 3_600_000), end: new Date(T0) } });
    expect(h.bucketMs).toBe(60_000);
    expect(h.buckets.length).toBe(61);
    const total = h.buckets.reduce((s, b) => ({ r: s.r + b.readOnly, w: s.w + b.write }), { r: 0, w: 0 });
    expect(total).toEqual({ r: 1, w: 4 });
    expect(h.buckets[h.buckets.length - 1]).toEqual({ start: new Date(T0), readOnly: 1, write: 0 });
  });

  test("streamEvents yields everything newest first in batches", async () => {
    const batches: number[] = [];
    const all: string[] = [];
    for await (const b of streamEvents(database, { accountId: acct, filter: {}, window, batchSize: 2 })) {
      batches.push(b.length);
      all.push(...b.map((e) => e.eventName));
    }
    expect(all).toEqual(["DescribeInstances", "TerminateInstances", "StopInstances", "CreateBucket", "ConsoleLogin"]);
    expect(Math.max(...batches)).toBeLessThanOrEqual(2);
  });

  test("estimateEventCount answers a number", async () => {
    const n = await estimateEventCount(database, { accountId: acct, filter: { userName: "o'brien" }, window });
    expect(Number.isFinite(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(0);
  });
});

describe("partitions", () => {
  test("created ahead, dropped past retention", async () => {
    await ensurePartitions(database, new Date("2026-12-01T05:00:00Z"), new Date("2026-12-03T00:00:00Z"));
    let names = (await listPartitions(database)).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["events_20261201", "events_20261202", "events_20261203"]));
    const old = testIngestedEvent({ eventID: "old-one", eventTime: "2026-11-30T10:00:00Z", recipientAccountId: "roll" });
    await insertEvents(database, [old]);
    const dropped = await dropPartitionsBefore(database, new Date("2026-12-01T13:00:00Z"));
    expect(dropped).toContain("events_20261130");
    expect(dropped).not.toContain("events_20261201");
    names = (await listPartitions(database)).map((p) => p.name);
    expect(names.every((n) => n >= "events_20261201")).toBe(true);
    expect(await getEvent(database, "roll", "old-one")).toBeNull();
    // Ingest of a day whose partition was dropped recreates it (the cache was forgotten).
    expect(await insertEvents(database, [old])).toEqual({ accepted: 1, duplicates: 0 });
    const rows = await nativeQuery<{ n: number | string }>(database, `select count(*) as n from events where account_id = 'roll'`);
    expect(Number(rows[0]!.n)).toBe(1);
  });
});
