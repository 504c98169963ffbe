import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  currentHorizon,
  ensurePartitions,
  listDeliveries,
  loadTrail,
  nativeQuery,
  setSubscription,
  setTrailLogging,
  skippedWindowsOf,
  updateTrailRow,
} from "@activity-log/api/db";
import type { ObjectStorage } from "@activity-log/api/runtime";
import { windowObjectKey } from "@activity-log/api/trail-keys";
import {
  createTestDeps,
  ingest,
  readArchive,
  readObject,
  type S3rverHandle,
  seedAccountWithKey,
  seedTrail,
  startS3rver,
  T0,
  type TestDeps,
  testEvent,
} from "@activity-log/api/test-kit";
import { deliverTrails, SUBSCRIPTION_INACTIVE } from "./trails.ts";

const at = (hhmmss: string) => new Date(`2026-11-24T${hhmmss}Z`);
const BUCKET = "audit-bucket";

let deps: TestDeps;
let s3: S3rverHandle;
let accounts = 0;

beforeAll(async () => {
  deps = await createTestDeps();
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.close();
  await deps.cleanup();
});

type Backend = {
  name: string;
  storage: () => ObjectStorage;
  /** Makes the trail's key usable by the storage. */
  allowKey(key: { accessKeyId: string; secretAccessKey: string }): void;
  /** Breaks the bucket so the next delivery fails with the storage's own message; returns the undo. */
  breakStorage(key: { accessKeyId: string; secretAccessKey: string }): () => Promise<void>;
  expectedError: RegExp;
};

const backends: Backend[] = [
  {
    name: "local store",
    storage: () => deps.storage,
    allowKey: () => {},
    breakStorage: () => {
      rmSync(join(deps.config.dataDir, "objects", BUCKET), { recursive: true, force: true });
      return () => deps.storage.service().createBucket(BUCKET);
    },
    expectedError: /The specified bucket does not exist/,
  },
  {
    name: "s3rver",
    storage: () => s3.storage,
    allowKey: (k) => s3.addKey(k.accessKeyId, k.secretAccessKey),
    breakStorage: (k) => {
      s3.removeKey(k.accessKeyId);
      return async () => s3.addKey(k.accessKeyId, k.secretAccessKey);
    },
    expectedError: /The AWS Access Key Id you provided does not exist in our records/,
  },
];

/** A fresh account with a logging trail writing to BUCKET, on the given backend. */
async function setup(backend: Backend, trailOptions: { prefix?: string; startAt?: Date } = {}) {
  const alias = `acct-${++accounts}-${Math.random().toString(36).slice(2, 6)}`;
  // Tests share one database: other tests' trails (whatever ran before) must not count in this one's summaries.
  await nativeQuery(deps.database, `update trails set is_logging = false`);
  const d: TestDeps = { ...deps, storage: backend.storage() };
  const key = await seedAccountWithKey(d, alias);
  const accountId = key.accountId;
  backend.allowKey(key);
  await d.storage.service().createBucket(BUCKET);
  const trail = await seedTrail(d, {
    accountId,
    name: "main",
    bucket: BUCKET,
    accessKeyId: key.accessKeyId,
    prefix: trailOptions.prefix ?? `p-${accountId}`,
    startAt: trailOptions.startAt,
  });
  const store = d.storage.withCredentials(key);
  return { d, accountId, key, trail, store };
}

async function allArchivedIds(store: ReturnType<ObjectStorage["service"]>, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (const o of await store.list(BUCKET, prefix)) {
    const { records } = await readArchive(await readObject(store, BUCKET, o.key));
    ids.push(...records.map((r) => r.eventID as string));
  }
  return ids.sort();
}

for (const backend of backends) {
  describe(`trail archives (${backend.name})`, () => {
    test("each closed window becomes one tar.gz at the CloudTrail key, holding that window's records", async () => {
      const { d, accountId, trail, store } = await setup(backend);
      const e1 = testEvent(accountId, at("10:01:00"));
      const e2 = testEvent(accountId, at("10:04:59.500"), { eventName: "DescribeInstances", readOnly: true });
      const e3 = testEvent(accountId, at("10:07:00"));
      const other = testEvent("someone-else", at("10:02:00"));
      await ingest(d.database, [e1, e2, e3, other]);

      const first = await deliverTrails(d, at("10:06:00"), { settleMs: 0 });
      expect(first).toEqual({ delivered: 1, empty: 0, skipped: 0, failed: 0 });
      const key = windowObjectKey(trail, { start: at("10:00:00"), end: at("10:05:00") });
      expect(key).toMatch(
        new RegExp(`^p-${accountId}/AWSLogs/${accountId}/CloudTrail/ru-msk/2026/11/24/${accountId}_CloudTrail_ru-msk_20261124T1000Z_[0-9a-f]{16}\\.tar\\.gz$`),
      );
      expect((await store.list(BUCKET, `p-${accountId}/`)).map((o) => o.key)).toEqual([key]);
      const { names, records } = await readArchive(await readObject(store, BUCKET, key));
      expect(names).toEqual([key.split("/").pop()!.replace(".tar.gz", ".json")]);
      expect(records.map((r) => r.eventID)).toEqual([e1.eventId, e2.eventId]);
      expect(records[0]).toMatchObject({ eventName: "RunInstances", recipientAccountId: accountId, awsRegion: "ru-msk", eventTime: "2026-11-24T10:01:00Z" });

      const status = await loadTrail(d.database, trail.id);
      expect(status?.latestDeliveryTime).toEqual(at("10:06:00"));
      expect(status?.latestDeliveryError).toBeNull();
      expect(status?.nextWindowStart).toEqual(at("10:05:00"));
      const rows = await listDeliveries(d.database, trail.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "delivered", objectKey: key, eventCount: 2 });
      expect(rows[0]!.sha256).toBe(new Bun.CryptoHasher("sha256").update(await readObject(store, BUCKET, key)).digest("hex"));

      // Running again at the same instant does nothing; the next window closes at 10:10.
      expect(await deliverTrails(d, at("10:06:30"), { settleMs: 0 })).toEqual({ delivered: 0, empty: 0, skipped: 0, failed: 0 });
      expect(await deliverTrails(d, at("10:10:00"), { settleMs: 0 })).toEqual({ delivered: 1, empty: 0, skipped: 0, failed: 0 });
      expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([e1.eventId, e2.eventId, e3.eventId].sort());
      // Windows without events write nothing but are recorded.
      const r20 = await deliverTrails(d, at("10:20:00"), { settleMs: 0 });
      expect(r20).toEqual({ delivered: 0, empty: 2, skipped: 0, failed: 0 });
      expect((await store.list(BUCKET, `p-${accountId}/`)).length).toBe(2);
      expect((await listDeliveries(d.database, trail.id)).map((r) => r.status)).toEqual(["delivered", "delivered", "empty", "empty"]);
    });

    test("a worker killed between upload and bookkeeping: the retry writes the same key with the same records", async () => {
      const { d, accountId, trail, store } = await setup(backend);
      await ingest(d.database, [testEvent(accountId, at("10:01:00")), testEvent(accountId, at("10:02:00"))]);
      const crash = new Error("killed");
      await expect(
        deliverTrails(d, at("10:06:00"), {
          settleMs: 0,
          afterUpload: () => {
            throw crash;
          },
        }),
      ).rejects.toBe(crash);
      const [pending] = await listDeliveries(d.database, trail.id);
      expect(pending?.status).toBe("pending");
      const beforeBytes = await readObject(store, BUCKET, pending!.objectKey!);
      const before = await readArchive(beforeBytes);

      // Meanwhile more events arrive, timed in the same window: they must not change the retried archive.
      const late = testEvent(accountId, at("10:03:00"));
      await ingest(d.database, [late]);
      expect(await deliverTrails(d, at("10:07:00"), { settleMs: 0 })).toMatchObject({ delivered: 1 });
      const objects = await store.list(BUCKET, `p-${accountId}/`);
      expect(objects.map((o) => o.key)).toEqual([pending!.objectKey!]);
      const afterBytes = await readObject(store, BUCKET, pending!.objectKey!);
      expect(await readArchive(afterBytes)).toEqual(before);
      // The archive is a pure function of the window's content: the very same bytes and SHA-256.
      expect(Buffer.from(afterBytes).equals(Buffer.from(beforeBytes))).toBe(true);
      const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
      expect(sha(afterBytes)).toBe(sha(beforeBytes));
      const [done] = await listDeliveries(d.database, trail.id);
      expect(done).toMatchObject({ status: "delivered", eventCount: 2, horizonTo: pending!.horizonTo, sha256: sha(beforeBytes) });

      // The late one goes out with the next window, exactly once.
      await deliverTrails(d, at("10:11:00"), { settleMs: 0 });
      const ids = await allArchivedIds(store, `p-${accountId}/`);
      expect(ids).toHaveLength(3);
      expect(ids.filter((id) => id === late.eventId)).toHaveLength(1);
    });

    test("two workers at once never deliver a window twice", async () => {
      const { d, accountId, trail, store } = await setup(backend);
      const evs = [];
      for (let m = 0; m < 30; m++) evs.push(testEvent(accountId, new Date(T0.getTime() + m * 60_000 + 1000)));
      await ingest(d.database, evs);
      let uploads = 0;
      const countUploads = () => {
        uploads++;
      };
      const [a, b] = await Promise.all([
        deliverTrails(d, at("10:31:00"), { settleMs: 0, afterUpload: countUploads }),
        deliverTrails(d, at("10:31:00"), { settleMs: 0, afterUpload: countUploads }),
      ]);
      expect(a.delivered + b.delivered).toBe(6);
      expect(uploads).toBe(6);
      expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual(evs.map((e) => e.eventId).sort());
      expect((await listDeliveries(d.database, trail.id)).map((r) => r.status)).toEqual(Array(6).fill("delivered"));
    });

    test("storage down: LatestDeliveryError carries the storage's message; the backlog is caught up without a gap", async () => {
      const { d, accountId, key, trail, store } = await setup(backend);
      const evs = [testEvent(accountId, at("10:01:00")), testEvent(accountId, at("10:06:00")), testEvent(accountId, at("10:12:00"))];
      await ingest(d.database, evs);
      const undo = backend.breakStorage(key);
      expect(await deliverTrails(d, at("10:06:00"), { settleMs: 0 })).toMatchObject({ delivered: 0, failed: 1 });
      let status = await loadTrail(d.database, trail.id);
      expect(status?.latestDeliveryError).toMatch(backend.expectedError);
      expect(status?.failureCount).toBe(1);
      expect(status?.nextAttemptAt).toEqual(at("10:07:00"));
      // Backing off: nothing is tried before the next attempt time.
      expect(await deliverTrails(d, at("10:06:30"), { settleMs: 0 })).toMatchObject({ failed: 0, delivered: 0 });
      expect(await deliverTrails(d, at("10:07:00"), { settleMs: 0 })).toMatchObject({ failed: 1 });
      status = await loadTrail(d.database, trail.id);
      expect(status?.nextAttemptAt).toEqual(at("10:08:30"));

      await undo();
      expect(await deliverTrails(d, at("10:16:00"), { settleMs: 0 })).toMatchObject({ delivered: 3, failed: 0 });
      status = await loadTrail(d.database, trail.id);
      expect(status).toMatchObject({ latestDeliveryError: null, failureCount: 0, nextAttemptAt: null, latestDeliveryTime: at("10:16:00") });
      expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual(evs.map((e) => e.eventId).sort());
      expect((await listDeliveries(d.database, trail.id)).map((r) => [r.windowStart.toISOString(), r.status])).toEqual([
        ["2026-11-24T10:00:00.000Z", "delivered"],
        ["2026-11-24T10:05:00.000Z", "delivered"],
        ["2026-11-24T10:10:00.000Z", "delivered"],
      ]);
    });

    test("after a long storage outage, delivery resumes within two minutes of recovery", async () => {
      const { d, accountId, key, trail, store } = await setup(backend);
      const evs = [testEvent(accountId, at("10:01:00")), testEvent(accountId, at("10:51:00"))];
      await ingest(d.database, evs);
      const undo = backend.breakStorage(key);
      // Fifty minutes down (doubling delays would wait 32 minutes by then), the worker run every 30 s as of each instant.
      let t = at("10:05:00").getTime();
      for (; t < at("10:55:00").getTime(); t += 30_000) await deliverTrails(d, new Date(t), { settleMs: 0 });
      const down = await loadTrail(d.database, trail.id);
      expect(down?.failureCount).toBeGreaterThan(20);
      expect(down!.nextAttemptAt!.getTime() - down!.latestDeliveryAttemptTime!.getTime()).toBeLessThanOrEqual(120_000);
      await undo();
      const recovered = t;
      let deliveredAt: number | undefined;
      for (; deliveredAt === undefined && t <= recovered + 120_000; t += 15_000)
        if ((await deliverTrails(d, new Date(t), { settleMs: 0 })).delivered > 0) deliveredAt = t;
      expect(deliveredAt).toBeDefined();
      expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual(evs.map((e) => e.eventId).sort());
    }, 180_000);
  });
}

describe("trail rules", () => {
  const backend = backends[0]!;

  test("selectors: WriteOnly and ReadOnly trails save only what they admit", async () => {
    const { d, accountId, trail, store } = await setup(backend);
    const write = testEvent(accountId, at("10:01:00"));
    const read = testEvent(accountId, at("10:02:00"), { eventName: "DescribeInstances", readOnly: true });
    await ingest(d.database, [write, read]);
    await updateTrailRow(d.database.db, accountId, trail.name, { readWriteType: "WriteOnly" }, T0);
    await deliverTrails(d, at("10:06:00"), { settleMs: 0 });
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([write.eventId]);

    const { d: d2, accountId: acc2, trail: t2, store: store2 } = await setup(backend);
    const w2 = testEvent(acc2, at("10:01:00"));
    const r2 = testEvent(acc2, at("10:02:00"), { eventName: "ListBuckets", readOnly: true });
    await ingest(d2.database, [w2, r2]);
    await updateTrailRow(d2.database.db, acc2, t2.name, { readWriteType: "ReadOnly" }, T0);
    await deliverTrails(d2, at("10:06:00"), { settleMs: 0 });
    expect(await allArchivedIds(store2, `p-${acc2}/`)).toEqual([r2.eventId]);

    // No management events: nothing at all, the window is recorded empty.
    const { d: d3, accountId: acc3, trail: t3, store: store3 } = await setup(backend);
    await ingest(d3.database, [testEvent(acc3, at("10:01:00"))]);
    await updateTrailRow(d3.database.db, acc3, t3.name, { includeManagementEvents: false }, T0);
    expect(await deliverTrails(d3, at("10:06:00"), { settleMs: 0 })).toMatchObject({ delivered: 0, empty: 1 });
    expect(await store3.list(BUCKET, `p-${acc3}/`)).toEqual([]);
  });

  test("late-arriving events (timed in a delivered window) land in the next archive, once", async () => {
    const { d, accountId, store } = await setup(backend);
    const early = testEvent(accountId, at("10:01:00"));
    await ingest(d.database, [early]);
    await deliverTrails(d, at("10:06:00"), { settleMs: 0 });
    const late = testEvent(accountId, at("10:03:00"));
    await ingest(d.database, [late]);
    await deliverTrails(d, at("10:11:00"), { settleMs: 0 });
    await deliverTrails(d, at("10:21:00"), { settleMs: 0 });
    const objects = await store.list(BUCKET, `p-${accountId}/`);
    expect(objects).toHaveLength(2);
    expect(objects[1]!.key).toContain("_20261124T1005Z_");
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([early.eventId, late.eventId].sort());
  });

  test.skipIf(!process.env.DATABASE_URL)("a transaction held open across a window's close is not missed", async () => {
    const { d, accountId, store } = await setup(backend);
    const onTime = testEvent(accountId, at("10:02:00"));
    const held = testEvent(accountId, at("10:03:00"));
    await ensurePartitions(d.database, T0, T0);
    // An ingest transaction takes its id, then stays open past 10:05 and past the worker's run.
    const conn = await d.database.pg!.reserve();
    try {
      await conn`begin`;
      await conn`insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name, search_text)
        values (${accountId}, 'default', ${held.eventTime.toISOString()}, ${held.eventId}, 'RunInstances', 'AwsApiCall', 'ec2.amazonaws.com', false, 'alice', '')`;
      await ingest(d.database, [onTime]);
      await deliverTrails(d, at("10:06:00"), { settleMs: 100 });
      expect(await allArchivedIds(store, `p-${accountId}/`)).not.toContain(held.eventId);
      await conn`commit`;
    } finally {
      conn.release();
    }
    await deliverTrails(d, at("10:11:00"), { settleMs: 0 });
    await deliverTrails(d, at("10:16:00"), { settleMs: 0 });
    const ids = await allArchivedIds(store, `p-${accountId}/`);
    expect(ids.filter((id) => id === held.eventId)).toHaveLength(1);
    expect(ids.filter((id) => id === onTime.eventId)).toHaveLength(1);
  });

  test("stopped trails deliver nothing; restarting skips the stopped windows", async () => {
    const { d, accountId, trail, store } = await setup(backend);
    await setTrailLogging(d.database.db, accountId, trail.name, false, at("10:00:30"), T0);
    await ingest(d.database, [testEvent(accountId, at("10:01:00")), testEvent(accountId, at("10:12:00"))]);
    expect(await deliverTrails(d, at("10:11:00"), { settleMs: 0 })).toEqual({ delivered: 0, empty: 0, skipped: 0, failed: 0 });
    expect(await store.list(BUCKET, `p-${accountId}/`)).toEqual([]);
    await setTrailLogging(d.database.db, accountId, trail.name, true, at("10:20:00"), at("10:20:00"));
    const after = testEvent(accountId, at("10:21:00"));
    await ingest(d.database, [after]);
    expect(await deliverTrails(d, at("10:26:00"), { settleMs: 0 })).toMatchObject({ delivered: 1 });
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([after.eventId]);
    expect((await listDeliveries(d.database, trail.id)).map((r) => r.windowStart.toISOString())).toEqual(["2026-11-24T10:20:00.000Z"]);
  });

  test("the first archive after StartLogging holds only events at or after the start, late commits included", async () => {
    const { d, accountId, store } = await setup(backend, { startAt: at("10:02:30") });
    const before = testEvent(accountId, at("10:01:00"));
    const justBefore = testEvent(accountId, at("10:02:29.999"));
    const atStart = testEvent(accountId, at("10:02:30"));
    const after = testEvent(accountId, at("10:04:00"));
    await ingest(d.database, [before, justBefore, atStart, after]);
    expect(await deliverTrails(d, at("10:05:00"), { settleMs: 0 })).toMatchObject({ delivered: 1 });
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([atStart.eventId, after.eventId].sort());
    // Late commits timed before the start stay out; those timed after it land in the next archive.
    const lateBefore = testEvent(accountId, at("10:02:00"));
    const lateAfter = testEvent(accountId, at("10:03:00"));
    await ingest(d.database, [lateBefore, lateAfter]);
    expect(await deliverTrails(d, at("10:10:00"), { settleMs: 0 })).toMatchObject({ delivered: 1 });
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([atStart.eventId, after.eventId, lateAfter.eventId].sort());
  });

  test("restarted inside a window, the trail saves nothing from while it was stopped", async () => {
    const { d, accountId, trail, store } = await setup(backend);
    const first = testEvent(accountId, at("10:01:00"));
    await ingest(d.database, [first]);
    await deliverTrails(d, at("10:05:00"), { settleMs: 0 });
    await setTrailLogging(d.database.db, accountId, trail.name, false, at("10:06:00"), T0);
    const whileStopped = testEvent(accountId, at("10:07:00"));
    await setTrailLogging(d.database.db, accountId, trail.name, true, at("10:08:30"), at("10:05:00"));
    const afterRestart = testEvent(accountId, at("10:09:00"));
    await ingest(d.database, [whileStopped, afterRestart]);
    expect(await deliverTrails(d, at("10:10:00"), { settleMs: 0 })).toMatchObject({ delivered: 1 });
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([first.eventId, afterRestart.eventId].sort());
  });

  test("windows while the subscription is inactive are recorded skipped, then delivery resumes", async () => {
    const { d, accountId, trail, store } = await setup(backend);
    await ingest(d.database, [testEvent(accountId, at("10:01:00"))]);
    await setSubscription(d.database.db, accountId, false);
    expect(await deliverTrails(d, at("10:11:00"), { settleMs: 0 })).toMatchObject({ delivered: 0, skipped: 2 });
    await setSubscription(d.database.db, accountId, true);
    const later = testEvent(accountId, at("10:12:00"));
    await ingest(d.database, [later]);
    expect(await deliverTrails(d, at("10:16:00"), { settleMs: 0 })).toMatchObject({ delivered: 1 });
    expect(await allArchivedIds(store, `p-${accountId}/`)).toEqual([later.eventId]);
    const rows = await listDeliveries(d.database, trail.id);
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ["skipped", SUBSCRIPTION_INACTIVE],
      ["skipped", SUBSCRIPTION_INACTIVE],
      ["delivered", null],
    ]);
    // The gap the trail's status shows in the console.
    expect((await skippedWindowsOf(d.database.db, [trail.id])).get(trail.id)).toEqual({ windows: 2, first: at("10:00:00"), last: at("10:05:00") });
  });

  test("the horizon columns are stored and chain", async () => {
    const { d, trail } = await setup(backend);
    await deliverTrails(d, at("10:11:00"), { settleMs: 0 });
    const rows = await listDeliveries(d.database, trail.id);
    expect(rows[0]!.horizonFrom).toBeNull();
    expect(rows[1]!.horizonFrom).toBe(rows[0]!.horizonTo);
    expect(BigInt(rows[1]!.horizonTo!)).toBeGreaterThanOrEqual(BigInt(rows[0]!.horizonTo!));
    expect(BigInt(await currentHorizon(d.database))).toBeGreaterThanOrEqual(BigInt(rows[1]!.horizonTo!));
  });
});
