import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_QUOTAS, DomainError } from "@activity-log/core";
import { createTestDatabase, seedAccount, T0 } from "../test-kit/index.ts";
import type { Database } from "./client.ts";
import {
  claimNextReport,
  deleteReport,
  expireReports,
  failReport,
  finishReport,
  getReport,
  listReports,
  purgeReport,
  requestReport,
  updateReportProgress,
  type ReportRequest,
} from "./reports.ts";

let database: Database;
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function account(): Promise<string> {
  return seedAccount({ database }, `rep-${++n}-${Math.random().toString(36).slice(2, 6)}`, []);
}

const request = (accountId: string, now = T0): ReportRequest => ({
  accountId,
  createdBy: "alice",
  format: "csv",
  filter: { readOnly: false },
  window: { start: new Date(now.getTime() - 3_600_000), end: now },
  quotas: DEFAULT_QUOTAS,
  now,
});

test("20 concurrent requests: exactly 2 are queued, the rest get a 409 naming the limit", async () => {
  const acc = await account();
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => requestReport(database, request(acc))));
  const ok = results.filter((r) => r.status === "fulfilled");
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
  expect(ok).toHaveLength(2);
  expect(refused).toHaveLength(18);
  for (const e of refused) {
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toMatchObject({ code: "ReportLimitExceededException", status: 409 });
    expect((e as Error).message).toContain("the limit is 2");
  }
  expect(await listReports(database, acc)).toHaveLength(2);
});

test("5 stored: a new report replaces the oldest finished one; none finished → refused", async () => {
  const acc = await account();
  const worker = "w1";
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const now = new Date(T0.getTime() + i * 60_000);
    const r = await requestReport(database, request(acc, now));
    ids.push(r.id);
    const claimed = await claimNextReportOf(acc, worker, now);
    expect(claimed).toBe(r.id);
    expect(await finishReport(database, r.id, worker, { objectKey: `k${i}`, bytes: 10, rowsDone: 1, now })).toBe(true);
  }
  const sixth = await requestReport(database, request(acc, new Date(T0.getTime() + 10 * 60_000)));
  const listed = await listReports(database, acc);
  expect(listed.map((r) => r.id)).toEqual([sixth.id, ids[4]!, ids[3]!, ids[2]!, ids[1]!]);
  expect(await getReport(database, acc, ids[0]!)).toBeNull();
  // The replaced report's object is deleted by the retention job.
  const expired = await expireReports(database, T0);
  expect(expired.filter((r) => r.accountId === acc)).toEqual([{ id: ids[0]!, accountId: acc, objectKey: "k0" }]);
  await purgeReport(database, ids[0]!);
  expect((await expireReports(database, T0)).filter((r) => r.accountId === acc)).toEqual([]);

  // With all five stored and none finished (limit 1 generating raised), nothing can be replaced.
  const acc2 = await account();
  const quotas = { ...DEFAULT_QUOTAS, reportsGenerating: 10, reportsStored: 3 };
  for (let i = 0; i < 3; i++) await requestReport(database, { ...request(acc2), quotas });
  await expect(requestReport(database, { ...request(acc2), quotas })).rejects.toMatchObject({ code: "ReportLimitExceededException", status: 409 });
});

/** Finishes other tests' queued reports (as failed), so claims below see only this test's. */
async function drain(): Promise<void> {
  for (let r = await claimNextReport(database, "drain", T0); r; r = await claimNextReport(database, "drain", T0)) {
    await failReport(database, r.id, "drain", "drained", T0);
  }
}

/** Claims until it gets a report of this account (other tests' reports may be queued too). */
async function claimNextReportOf(accountId: string, worker: string, now: Date): Promise<string | null> {
  for (;;) {
    const r = await claimNextReport(database, worker, now);
    if (!r) return null;
    if (r.accountId === accountId) return r.id;
    await failReport(database, r.id, worker, "not this test's", now);
  }
}

test("claims: one worker per report; progress renews; a stalled report is taken over", async () => {
  const acc = await account();
  await drain();
  const r = await requestReport(database, request(acc));
  const [a, b] = await Promise.all([claimNextReport(database, "wa", T0), claimNextReport(database, "wb", T0)]);
  const claimed = [a, b].filter(Boolean);
  expect(claimed).toHaveLength(1);
  const owner = claimed[0]!.claimedBy!;
  const other = owner === "wa" ? "wb" : "wa";
  expect(claimed[0]).toMatchObject({ id: r.id, status: "generating", objectKey: `reports/${acc}/${r.id}.csv.gz` });
  expect(await updateReportProgress(database, r.id, owner, { rowsDone: 10, rowsEstimated: 100, now: T0 })).toBe(true);
  expect(await updateReportProgress(database, r.id, other, { rowsDone: 10, now: T0 })).toBe(false);
  // Not stale yet 14 s later; stale after 15 s without heartbeat (three missed beats).
  expect(await claimNextReport(database, other, new Date(T0.getTime() + 14_000))).toBeNull();
  const taken = await claimNextReport(database, other, new Date(T0.getTime() + 15_001));
  expect(taken).toMatchObject({ id: r.id, claimedBy: other, rowsDone: 0 });
  // The first worker's claim is gone: it cannot finish.
  expect(await finishReport(database, r.id, owner, { objectKey: "x", bytes: 1, rowsDone: 1, now: T0 })).toBe(false);
  expect(await failReport(database, r.id, other, "The report could not be built: boom", T0)).toBe(true);
  expect(await getReport(database, acc, r.id)).toMatchObject({ status: "failed", error: "The report could not be built: boom" });
});

test("delete hides a ready report at once and leaves its object to the retention sweep; unknown and malformed ids are not found", async () => {
  const acc = await account();
  await drain();
  const r = await requestReport(database, request(acc));
  await claimNextReport(database, "w", T0);
  await finishReport(database, r.id, "w", { objectKey: `reports/${acc}/${r.id}.csv.gz`, bytes: 5, rowsDone: 1, now: T0 });
  expect(await getReport(database, "someone-else", r.id)).toBeNull();
  expect(await deleteReport(database, "someone-else", r.id, T0)).toBe(false);
  expect(await deleteReport(database, acc, "not-a-uuid", T0)).toBe(false);
  expect(await getReport(database, acc, "not-a-uuid")).toBeNull();
  expect(await deleteReport(database, acc, r.id, T0)).toBe(true);
  expect(await getReport(database, acc, r.id)).toBeNull();
  expect(await deleteReport(database, acc, r.id, T0)).toBe(false);
  // The sweep finds it with its object, deletes the object, then purges the row.
  expect(await expireReports(database, T0)).toContainEqual({ id: r.id, accountId: acc, objectKey: `reports/${acc}/${r.id}.csv.gz` });
  // A queued report has no object: its row goes at once.
  const queued = await requestReport(database, request(acc));
  expect(await deleteReport(database, acc, queued.id, T0)).toBe(true);
  expect((await expireReports(database, T0)).map((e) => e.id)).not.toContain(queued.id);
});

test("reports expire after their TTL (3 days by default)", async () => {
  const acc = await account();
  await drain();
  const r = await requestReport(database, request(acc));
  expect(r.expiresAt).toEqual(new Date(T0.getTime() + 72 * 3_600_000));
  await claimNextReport(database, "w", T0);
  await finishReport(database, r.id, "w", { objectKey: "obj", bytes: 5, rowsDone: 1, now: T0 });
  expect((await expireReports(database, new Date(T0.getTime() + 71 * 3_600_000))).some((x) => x.id === r.id)).toBe(false);
  expect((await expireReports(database, new Date(T0.getTime() + 73 * 3_600_000))).some((x) => x.id === r.id)).toBe(true);
  expect(await listReports(database, acc)).toEqual([]);
});
