import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { DEFAULT_QUOTAS } from "@activity-log/core";
import { createAccount, ensurePartitions, getReport, nativeQuery, planKeyRanges, requestReport } from "@activity-log/api/db";
import { createTestDeps, readObject, T0, type TestDeps } from "@activity-log/api/test-kit";
import { renderCsv } from "./report-csv.ts";
import { renderRange } from "./report-render.ts";
import { renderRangesInThreads } from "./report-threads.ts";
import { generateReports } from "./reports.ts";

// Report threads exist on Postgres only (PGlite is one embedded connection: it keeps the main-thread path).
const onPostgres = Boolean(process.env.DATABASE_URL);
let deps: TestDeps;
const START = new Date("2026-11-24T08:00:00Z");

beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.cleanup();
});

/** `count` events, three to a millisecond (ties are broken by event id), with quoting, Unicode and JSON to render. */
async function seed(alias: string, count: number): Promise<string> {
  const { accountId } = await createAccount(deps.database.db, alias);
  await ensurePartitions(deps.database, START, T0);
  await nativeQuery(
    deps.database,
    `insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name,
       access_key_id, source_ip, user_agent, error_code, error_message, request_parameters, response_elements, resources, resource_ids, search_text)
     select $1, 'default', $2::timestamptz + (g / 3) * interval '1 millisecond', 'ev-' || lpad(g::text, 6, '0'),
       (array['RunInstances','DescribeInstances','PutObject'])[1 + g % 3], 'AwsApiCall', 'ec2.amazonaws.com', g % 3 = 1,
       'user "' || (g % 7) || '", Ünï', 'AKIA' || lpad((g % 5)::text, 16, '0'), '10.0.0.' || (g % 250), 'agent/1.0',
       case when g % 11 = 0 then '=cmd' end, case when g % 11 = 0 then e'line\\r\\nbreak' end,
       jsonb_build_object('instanceId', 'i-' || to_hex(g), 'n', g), case when g % 3 = 1 then null else '{"ok":true}'::jsonb end,
       jsonb_build_array(jsonb_build_object('type', 'AWS::EC2::Instance', 'name', 'i-' || to_hex(g))), array['i-' || to_hex(g)], ''
     from generate_series(1, $3::int) g`,
    [accountId, START.toISOString(), count],
  );
  return accountId;
}

const query = (accountId: string) => ({ accountId, filter: {}, window: { start: START, end: T0 } });

async function collect(batches: AsyncIterable<{ bytes: Uint8Array; rows: number }>) {
  const parts: Uint8Array[] = [];
  let rows = 0;
  for await (const b of batches) {
    parts.push(b.bytes);
    rows += b.rows;
  }
  // Raw deflate pieces, sync-flushed: add a final block and inflate.
  const { inflateRawSync } = await import("node:zlib");
  return { text: inflateRawSync(Buffer.concat([...parts, new Uint8Array([3, 0])])).toString("utf8"), rows };
}

describe.skipIf(!onPostgres)("reports in key ranges", () => {
  test("key ranges of equal row counts cover every row once, ties across range ends included", async () => {
    const accountId = await seed("threads-plan", 2500);
    const ranges = await planKeyRanges(deps.database, query(accountId), 700);
    expect(ranges).toHaveLength(4); // 700, 700, 700, 400
    const counts = [];
    for (const range of ranges) {
      const [{ n }] = (await nativeQuery<{ n: number }>(
        deps.database,
        `select count(*)::int as n from events where account_id = $1 and (event_time, event_id) ${range.after ? "<" : ">="} ($2::timestamptz, $3) ${range.through ? "and (event_time, event_id) >= ($4::timestamptz, $5)" : ""}`,
        [
          accountId,
          range.after?.time ?? "1970-01-01T00:00:00Z",
          range.after?.id ?? "",
          range.through?.time ?? "1970-01-01T00:00:00Z",
          range.through?.id ?? "",
        ].slice(0, range.through ? 5 : 3),
      )) as [{ n: number }];
      counts.push(n);
    }
    expect(counts).toEqual([700, 700, 700, 400]);
  });

  test("json: ranges rendered in threads give the single-thread text, in the same order", async () => {
    const accountId = await seed("threads-json", 5000);
    const job = { query: query(accountId), region: deps.config.region, batchSize: 300 };
    const single = await collect(renderRange(deps.database, { ...job, range: {}, startsReport: true }));
    const ranges = await planKeyRanges(deps.database, query(accountId), 600);
    expect(ranges.length).toBeGreaterThan(4);
    const threaded = await collect(renderRangesInThreads(deps.database.url!, ranges, job, { threads: 3, firstStartsReport: true }));
    expect(threaded.rows).toBe(5000);
    expect(single.rows).toBe(5000);
    expect(threaded.text).toBe(single.text);
  });

  test("csv: a report stopped after its first piece ends its COPYs at once and leaves no connection behind", async () => {
    const accountId = await seed("copy-stopped", 20_000);
    const ranges = await planKeyRanges(deps.database, query(accountId), 2000);
    const started = performance.now();
    let pieces = 0;
    for await (const piece of renderCsv(deps.database, { ...query(accountId), region: deps.config.region }, ranges, { connections: 2, batchSize: 500 })) {
      expect(piece.rows).toBeGreaterThan(0);
      if (++pieces === 1) break;
    }
    expect(performance.now() - started).toBeLessThan(5000);
    // The server ends a backend once it finds its client gone.
    const copying = async () =>
      (
        await nativeQuery<{ n: number }>(
          deps.database,
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like 'copy (select%'`,
        )
      )[0]!.n;
    for (let i = 0; i < 50 && (await copying()) > 0; i++) await Bun.sleep(100);
    expect(await copying()).toBe(0);
  });

  // CSV: key ranges rendered by Postgres on one connection or two; JSON: rendered here, in the main thread or in report threads.
  test.each([
    ["csv", { csvConnections: 1 }, { csvConnections: 2 }, "\uFEFFeventTime,"],
    ["json", { threads: 1 }, { threads: 2 }, '{"Records":[\n'],
  ] as const)("a %s report built in key ranges in parallel is byte-identical in content to one built a range at a time", async (format, one, two, opening) => {
    const accountId = await seed(`threads-report-${format}`, 6000);
    const texts: string[] = [];
    for (const options of [one, two]) {
      const r = await requestReport(deps.database, {
        accountId,
        createdBy: "alice",
        format,
        filter: {},
        window: { start: START, end: T0 },
        quotas: { ...DEFAULT_QUOTAS, reportsStored: 10 },
        now: T0,
      });
      const summary = await generateReports(deps, () => T0, {
        workerId: `w${texts.length}`,
        rowsPerRange: 1000,
        batchSize: 250,
        partBytes: 8 * 1024,
        ...options,
      });
      expect(summary).toEqual({ ready: 1, failed: 0, abandoned: 0, resumed: 0 });
      const row = (await getReport(deps.database, accountId, r.id))!;
      expect(row).toMatchObject({ status: "ready", rowsDone: 6000, checkpoint: null });
      const gz = await readObject(deps.storage.service(), deps.config.reportsBucket, row.objectKey!);
      expect(row.bytes).toBe(gz.byteLength);
      texts.push(gunzipSync(gz).toString("utf8"));
    }
    expect(texts[1]!.startsWith(opening)).toBe(true);
    expect(texts[1]!.length).toBeGreaterThan(6000 * 100);
    expect(texts[1]).toBe(texts[0]!);
  });
});
