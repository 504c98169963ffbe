import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { DEFAULT_QUOTAS } from "@activity-log/core";
import { createAccount, getReport, nativeQuery, type ReportRow, requestReport } from "@activity-log/api/db";
import type { ObjectStorage } from "@activity-log/api/runtime";
import { createTestDeps, ingest, parseCsv, readObject, type S3rverHandle, startS3rver, T0, type TestDeps, testEvent } from "@activity-log/api/test-kit";
import { generateReports } from "./reports.ts";
import { deleteExpiredReports } from "./retention.ts";

let deps: TestDeps;
let s3: S3rverHandle;
let n = 0;

beforeAll(async () => {
  deps = await createTestDeps();
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.close();
  await deps.cleanup();
});

const backends: { name: string; storage: () => ObjectStorage }[] = [
  { name: "local store", storage: () => deps.storage },
  { name: "s3rver", storage: () => s3.storage },
];

/** Queues a report of the account's events from 08:00 to T0 by alice, as the console would. */
function queueReport(database: TestDeps["database"], accountId: string, format: "csv" | "json", filter: object = {}) {
  return requestReport(database, {
    accountId,
    createdBy: "alice",
    format,
    filter,
    window: { start: new Date("2026-11-24T08:00:00Z"), end: T0 },
    quotas: DEFAULT_QUOTAS,
    now: T0,
  });
}

for (const backend of backends) {
  describe(`reports (${backend.name})`, () => {
    async function setup() {
      const d: TestDeps = { ...deps, storage: backend.storage() };
      const { accountId } = await createAccount(d.database.db, `rp-${++n}-${Math.random().toString(36).slice(2, 6)}`);
      return { d, accountId };
    }
    const build = async (d: TestDeps, r: ReportRow) => {
      const summary = await generateReports(d, () => T0, { workerId: "test-worker", batchSize: 3 });
      const row = await getReport(d.database, r.accountId, r.id);
      return { summary, row: row! };
    };

    test("CSV: BOM, header, RFC 4180 quoting, formula injection neutralised, UTF-8, newest first", async () => {
      const { d, accountId } = await setup();
      const tricky = testEvent(accountId, "2026-11-24T09:30:00Z", {
        userName: '=HYPERLINK("http://evil")',
        eventName: "PutObject",
        errorMessage: 'line one\r\nline "two", with comma',
        errorCode: "@SUM(A1)",
        userAgent: "Ünïcødé агент 🚀",
        sourceIp: "-10",
        requestParameters: { bucket: "+b" },
      });
      const plain = Array.from({ length: 7 }, (_, i) => testEvent(accountId, new Date(Date.parse("2026-11-24T09:00:00Z") + i * 1000)));
      const readOnly = testEvent(accountId, "2026-11-24T09:40:00Z", { eventName: "DescribeInstances", readOnly: true });
      await ingest(d.database, [tricky, ...plain, readOnly]);
      const r = await queueReport(d.database, accountId, "csv", { readOnly: false });
      const { summary, row } = await build(d, r);
      expect(summary).toEqual({ ready: 1, failed: 0, abandoned: 0, resumed: 0 });
      expect(row).toMatchObject({ status: "ready", rowsDone: 8, objectKey: `reports/${accountId}/${r.id}.csv.gz` });
      const gz = await readObject(d.storage.service(), d.config.reportsBucket, row.objectKey!);
      expect(row.bytes).toBe(gz.byteLength);
      const raw = gunzipSync(gz);
      // The Reports view shows the size of the file the user downloads, not the stored gzip.
      expect(row.contentBytes).toBe(raw.byteLength);
      expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
      expect(text.startsWith("\uFEFF")).toBe(true);
      const rows = parseCsv(text.slice(1));
      const header = rows[0]!;
      expect(header.slice(0, 3)).toEqual(["eventTime", "eventName", "userName"]);
      expect(rows).toHaveLength(9);
      expect(rows.every((x) => x.length === header.length)).toBe(true);
      const col = (name: string) => header.indexOf(name);
      const first = rows[1]!;
      expect(first[col("eventId")]).toBe(tricky.eventId);
      expect(first[col("userName")]).toBe(`'=HYPERLINK("http://evil")`);
      expect(first[col("errorCode")]).toBe("'@SUM(A1)");
      expect(first[col("sourceIPAddress")]).toBe("'-10");
      expect(first[col("errorMessage")]).toBe('line one\r\nline "two", with comma');
      expect(first[col("userAgent")]).toBe("Ünïcødé агент 🚀");
      expect(rows.slice(2).map((x) => x[col("eventId")])).toEqual(plain.map((e) => e.eventId).reverse());
      expect(rows.some((x) => x[col("eventId")] === readOnly.eventId)).toBe(false);
    });

    test('JSON: valid {"Records":[…]} of full records; empty reports are valid too', async () => {
      const { d, accountId } = await setup();
      const evs = Array.from({ length: 5 }, (_, i) => testEvent(accountId, new Date(Date.parse("2026-11-24T09:00:00Z") + i * 60_000)));
      await ingest(d.database, evs);
      const ask = (filter: object) => queueReport(d.database, accountId, "json", filter);
      const r = await ask({});
      const empty = await ask({ eventName: "NoSuchCall" });
      await generateReports(d, () => T0, { workerId: "w", batchSize: 2 });
      const row = (await getReport(d.database, accountId, r.id))!;
      const doc = JSON.parse(gunzipSync(await readObject(d.storage.service(), d.config.reportsBucket, row.objectKey!)).toString("utf8"));
      expect(doc.Records.map((x: { eventID: string }) => x.eventID)).toEqual(evs.map((e) => e.eventId).reverse());
      expect(doc.Records[0]).toMatchObject({ eventName: "RunInstances", recipientAccountId: accountId, userIdentity: { userName: "alice" } });
      const emptyRow = (await getReport(d.database, accountId, empty.id))!;
      expect(emptyRow).toMatchObject({ status: "ready", rowsDone: 0 });
      expect(JSON.parse(gunzipSync(await readObject(d.storage.service(), d.config.reportsBucket, emptyRow.objectKey!)).toString("utf8"))).toEqual({
        Records: [],
      });
    });

    test("expiry deletes the object and the row", async () => {
      const { d, accountId } = await setup();
      await ingest(d.database, [testEvent(accountId, "2026-11-24T09:00:00Z")]);
      const r = await queueReport(d.database, accountId, "csv");
      await generateReports(d, () => T0, { workerId: "w" });
      const row = (await getReport(d.database, accountId, r.id))!;
      const store = d.storage.service();
      expect(await store.get(d.config.reportsBucket, row.objectKey!)).not.toBeNull();
      expect(await deleteExpiredReports(d, new Date(T0.getTime() + 71 * 3_600_000))).toBe(0);
      expect(await deleteExpiredReports(d, new Date(T0.getTime() + 73 * 3_600_000))).toBeGreaterThanOrEqual(1);
      const gone = await store.get(d.config.reportsBucket, row.objectKey!);
      if (gone) await gone.body.cancel();
      expect(gone).toBeNull();
      expect(await nativeQuery(d.database, `select 1 from reports where id = $1`, [r.id])).toEqual([]);
    });
  });
}

test("a report deleted while generating is abandoned and leaves no object", async () => {
  const { accountId } = await createAccount(deps.database.db, `rp-del-${Math.random().toString(36).slice(2, 6)}`);
  await ingest(
    deps.database,
    Array.from({ length: 20 }, (_, i) => testEvent(accountId, new Date(Date.parse("2026-11-24T09:00:00Z") + i * 1000))),
  );
  const r = await queueReport(deps.database, accountId, "csv");
  // The clock is read at the claim, then at each progress update: delete right after the claim.
  let calls = 0;
  const clock = () => {
    if (++calls === 2) {
      void nativeQuery(deps.database, `delete from reports where id = $1`, [r.id]);
    }
    return T0;
  };
  const summary = await generateReports(deps, clock, { workerId: "w", batchSize: 2, progressEveryMs: 0 });
  expect(summary).toEqual({ ready: 0, failed: 0, abandoned: 1, resumed: 0 });
  const left = await deps.storage.service().get(deps.config.reportsBucket, `reports/${accountId}/${r.id}.csv.gz`);
  expect(left).toBeNull();
});
