import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_QUOTAS, largestRetentionDays } from "@activity-log/core";
import {
  createAccount,
  createUser,
  getReport,
  listDeliveries,
  listPartitions,
  nativeQuery,
  requestReport,
  retentionOverrides,
  setQuota,
} from "@activity-log/api/db";
import { fixedClock } from "@activity-log/api/runtime";
import { createTestDeps, ingest, seedAccountWithKey, seedTrail, T0, type TestDeps, testEvent } from "@activity-log/api/test-kit";
import { parseWorkerArgs, runOnce, startWorkerLoop } from "./main.ts";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps.cleanup());

test("runOnce: partitions ahead, old ones dropped past the largest retention", async () => {
  await nativeQuery(deps.database, `select activity_log_ensure_event_partition('2026-09-01'::date)`);
  const { accountId } = await createAccount(deps.database.db, "ret-acct");
  await setQuota(deps.database.db, accountId, "retentionDays", 60);
  expect(largestRetentionDays(await retentionOverrides(deps.database.db))).toBe(60);
  await nativeQuery(deps.database, `select activity_log_ensure_event_partition('2026-09-30'::date)`);
  const summary = await runOnce(deps, T0, { settleMs: 0 });
  expect(summary.retention.droppedPartitions).toEqual(["events_20260901"]);
  const days = (await listPartitions(deps.database)).map((p) => p.name);
  expect(days).toContain("events_20260930"); // 55 days old: kept for the 60-day account
  for (const d of ["events_20261123", "events_20261124", "events_20261125", "events_20261126", "events_20261127"]) expect(days).toContain(d);
  // Closed days get the search index, the open day (T0's) and the days ahead do not.
  expect(summary.closedDayIndexes).toContain("events_20260930_search");
  expect(summary.closedDayIndexes).toContain("events_20261123_search");
  expect(summary.closedDayIndexes).not.toContain("events_20261124_search");
  expect(summary.closedDayIndexes).not.toContain("events_20261125_search");
  expect((await runOnce(deps, T0, { settleMs: 0 })).closedDayIndexes).toEqual([]);
});

test("expired console sessions are closed with one AwsConsoleAutoSignOut event each", async () => {
  const { accountId } = await createAccount(deps.database.db, "sess-acct");
  await createUser(deps.database.db, accountId, "bob", "correct-horse-battery");
  const [user] = await nativeQuery<{ id: string }>(deps.database, `select id from users where account_id = $1 and name = 'bob'`, [accountId]);
  const expiry = new Date(T0.getTime() - 60_000);
  await nativeQuery(
    deps.database,
    `insert into sessions (token_hash, account_id, user_id, csrf_token, source_ip, user_agent, expires_at)
     values ('expired-1', $4, $1, 'c', '10.1.1.1', 'Firefox', $2), ('live-1', $4, $1, 'c', null, null, $3)`,
    [user!.id, expiry.toISOString(), new Date(T0.getTime() + 600_000).toISOString(), accountId],
  );
  const [a, b] = await Promise.all([runOnce(deps, T0, { settleMs: 0 }), runOnce(deps, T0, { settleMs: 0 })]);
  expect(a.retention.closedSessions + b.retention.closedSessions).toBe(1);
  const events = await nativeQuery<{ event_type: string; user_name: string; event_time: Date; source_ip: string }>(
    deps.database,
    `select event_type, user_name, event_time, source_ip from events where account_id = $1`,
    [accountId],
  );
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ event_type: "AwsConsoleAutoSignOut", user_name: "bob", source_ip: "10.1.1.1" });
  expect(new Date(events[0]!.event_time)).toEqual(expiry);
  const open = await nativeQuery<{ token_hash: string }>(deps.database, `select token_hash from sessions where account_id = $1 and closed_at is null`, [
    accountId,
  ]);
  expect(open.map((s) => s.token_hash)).toEqual(["live-1"]);
});

test("the loop runs the jobs and stops promptly", async () => {
  // Deps of its own (a fresh database), at 10:10: work for each job that only that job's run leaves a trace of.
  const own = await createTestDeps({ clock: fixedClock(new Date(T0.getTime() + 10 * 60_000)) });
  try {
    const key = await seedAccountWithKey(own, "loop-acct");
    const accountId = key.accountId;
    await own.storage.service().createBucket("loop-bucket");
    const trail = await seedTrail(own, { accountId, name: "main", bucket: "loop-bucket", accessKeyId: key.accessKeyId });
    await ingest(own.database, [testEvent(accountId, new Date(T0.getTime() + 60_000))]);
    const report = await requestReport(own.database, {
      accountId,
      createdBy: "alice",
      format: "csv",
      filter: {},
      window: { start: new Date(T0.getTime() - 3_600_000), end: T0 },
      quotas: DEFAULT_QUOTAS,
      now: T0,
    });
    expect((await listPartitions(own.database)).map((p) => p.name)).not.toContain("events_20261127");
    expect(await nativeQuery(own.database, `select horizon from event_rollup_state`)).toEqual([]);

    const loop = startWorkerLoop(own, { trailsEveryMs: 10, reportsEveryMs: 10, retentionEveryMs: 10, rollupsEveryMs: 10 });
    await Bun.sleep(100);
    const t = performance.now();
    await loop.stop();
    expect(performance.now() - t).toBeLessThan(5000);

    // retention: the partitions ahead are created.
    expect((await listPartitions(own.database)).map((p) => p.name)).toContain("events_20261127");
    // rollups: the state advanced, counting the event.
    const [rolled] = await nativeQuery<{ n: string | null }>(own.database, `select sum(n)::text as n from event_rollups`);
    expect(await nativeQuery(own.database, `select horizon from event_rollup_state`)).toHaveLength(1);
    expect(Number(rolled?.n)).toBe(1);
    // trails: the closed window holding the event is delivered.
    expect((await listDeliveries(own.database, trail.id)).find((d) => d.windowStart.getTime() === T0.getTime())).toMatchObject({
      status: "delivered",
      eventCount: 1,
    });
    // reports: the queued report is built.
    expect(await getReport(own.database, accountId, report.id)).toMatchObject({ status: "ready" });
  } finally {
    await own.cleanup();
  }
});

test("CLI arguments: --once, --now ISO; bad input is a clear error", () => {
  expect(parseWorkerArgs([])).toEqual({ once: false });
  expect(parseWorkerArgs(["--once", "--now", "2026-11-24T10:05:00Z"])).toEqual({ once: true, now: new Date("2026-11-24T10:05:00Z") });
  expect(parseWorkerArgs(["--once", "--now=2026-11-24T10:05:00Z"]).now).toEqual(new Date("2026-11-24T10:05:00Z"));
  expect(() => parseWorkerArgs(["--once", "--now", "yesterday"])).toThrow(/ISO-8601/);
  expect(() => parseWorkerArgs(["--now", "2026-11-24T10:05:00Z"])).toThrow(/--once/);
  expect(() => parseWorkerArgs(["--fast"])).toThrow(/Unknown option --fast/);
});
