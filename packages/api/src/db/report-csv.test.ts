import { afterAll, beforeAll, expect, test } from "bun:test";
import { once } from "node:events";
import { CSV_COLUMNS, csvLine, type StoredEvent } from "@activity-log/core";
import { createAccount } from "./iam.ts";
import { ensurePartitions } from "./partitions.ts";
import { copyCsvLine, finishReportCsv, reportCsvCopySql, reportCsvPage } from "./report-csv.ts";
import type { Database } from "./client.ts";
import { parseCsv } from "../test-kit/csv.ts";
import { createTestDatabase } from "../test-kit/database.ts";
import { ingest, testEvent } from "../test-kit/events.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const window = { start: new Date("2026-11-24T00:00:00Z"), end: new Date("2026-11-24T23:59:59Z") };
const REGION = "eu-1";

/** Values a CSV renderer gets wrong: formula leads, quotes, commas, CR/LF, the escape character itself, empty strings, Unicode. */
function trickyEvents(accountId: string): StoredEvent[] {
  const at = (m: number) => new Date(Date.parse("2026-11-24T09:00:00Z") + m * 60_000);
  return [
    testEvent(accountId, at(1), {
      userName: '=HYPERLINK("http://evil")',
      project: "+project",
      eventSource: "@source",
      errorCode: "-1",
      errorMessage: 'line one\r\nline "two", with comma\nand a bare LF',
      sourceIp: "\t10.0.0.1",
      userAgent: "\rcarriage first",
      requestParameters: { note: '=cmd|"x",y\nz', "key with spaces": ["a, b", "Ω 漢字 😀"], n: 1.5, t: true, z: null },
      responseElements: { ok: false, nested: { s: "tab\there", esc: "\u001e,\u001e\u001e" } },
      resources: [
        { type: "AWS::S3::Bucket", name: "=bucket, with comma" },
        { type: "AWS::EC2::Instance", name: 'i-1\nsecond "line"' },
      ],
    }),
    testEvent(accountId, at(2), {
      userName: "plain\u001e,escape lookalike",
      errorMessage: "\u001e\u001e\n\u001e,",
      accessKeyId: "",
      requestId: "",
      userAgent: "",
      sourceIp: null,
      errorCode: "",
      requestParameters: null,
      resources: [{ type: "T", name: "only" }],
    }),
    testEvent(accountId, at(3), { userName: "Ünïcødé агент 🚀", requestParameters: {}, responseElements: { list: [] }, resources: [] }),
    testEvent(accountId, at(4), {
      eventName: "DescribeInstances",
      readOnly: true,
      resources: [
        { type: "a;b", name: "x; y" },
        { type: "", name: "" },
        { type: "c", name: "z" },
      ],
    }),
  ];
}

async function copyText(sql: string): Promise<string> {
  const stream = await database.pg!.unsafe(sql).readable();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  await once(stream, "end");
  return Buffer.concat(chunks).toString("utf8");
}

test("a report's CSV says what core's CSV rules say, on either path (COPY on Postgres, pages on both), JSON columns as jsonb text", async () => {
  const { accountId } = await createAccount(database.db, `csv-${Math.random().toString(36).slice(2, 8)}`);
  await ensurePartitions(database, window.start, window.end);
  const events = trickyEvents(accountId);
  await ingest(database, events);
  const query = { accountId, filter: {}, window, region: REGION };

  const paged = await reportCsvPage(database, { ...query, limit: 100 });
  const fromPages = finishReportCsv(paged.text);
  expect(paged.rows).toBe(events.length);
  expect(fromPages.rows).toBe(events.length);
  expect(paged.last).toEqual({ time: "2026-11-24T09:01:00.000000Z", id: events[0]!.eventId });

  if (database.pg) {
    const copied = finishReportCsv(await copyText(reportCsvCopySql(query)));
    // Byte for byte: Postgres mode and PGlite mode download the same file.
    expect(copied.text).toBe(fromPages.text);
    expect(copied.rows).toBe(events.length);
  }

  const ours = parseCsv(fromPages.text);
  const newestFirst = [...events].reverse();
  expect(ours).toHaveLength(events.length);
  const jsonColumns = new Set(["requestParameters", "responseElements"]);
  ours.forEach((row, i) => {
    const core = parseCsv(csvLine(newestFirst[i]!, REGION))[0]!;
    expect(row).toHaveLength(CSV_COLUMNS.length);
    CSV_COLUMNS.forEach((column, c) => {
      if (jsonColumns.has(column)) expect(row[c] === "" ? null : JSON.parse(row[c]!)).toEqual(core[c] === "" ? null : JSON.parse(core[c]!));
      else expect({ column, value: row[c] }).toEqual({ column, value: core[c] });
    });
  });
});

test("a key range and a filter narrow the COPY the way they narrow a page; quotes in filter values stay literals", async () => {
  const { accountId } = await createAccount(database.db, `csv-${Math.random().toString(36).slice(2, 8)}`);
  await ensurePartitions(database, window.start, window.end);
  const events = trickyEvents(accountId);
  const quoted = testEvent(accountId, "2026-11-24T09:30:00Z", { userName: "o'brien", userAgent: "50%_off \\' agent" });
  await ingest(database, [...events, quoted]);
  const page = await reportCsvPage(database, { accountId, filter: { userName: "o'brien" }, window, region: REGION, limit: 10 });
  expect(page.rows).toBe(1);
  expect(page.text).toContain(",o'brien,");
  const firstTwo = await reportCsvPage(database, { accountId, filter: {}, window, region: REGION, limit: 2 });
  const rest = await reportCsvPage(database, { accountId, filter: {}, window, region: REGION, limit: 10, after: firstTwo.last! });
  expect(firstTwo.rows + rest.rows).toBe(events.length + 1);
  if (!database.pg) return;
  const query = { accountId, window, region: REGION };
  expect(await copyText(reportCsvCopySql({ ...query, filter: { userName: "o'brien" } }))).toBe(page.text);
  // LIKE's wildcards and escape, a backslash and a quote in a search term: matched literally, as the page's bound parameter is.
  const search = { search: "50%_off \\' ag" };
  const searched = await reportCsvPage(database, { accountId, filter: search, window, region: REGION, limit: 10 });
  expect(searched.rows).toBe(1);
  expect(await copyText(reportCsvCopySql({ ...query, filter: search }))).toBe(searched.text);
  expect(await copyText(reportCsvCopySql({ ...query, filter: { search: "50%_off \\\\' ag" } }))).toBe("");
  expect(await copyText(reportCsvCopySql({ ...query, filter: {}, range: { through: firstTwo.last! } }))).toBe(firstTwo.text);
  expect(await copyText(reportCsvCopySql({ ...query, filter: {}, range: { after: firstTwo.last! } }))).toBe(rest.text);
});

test("copyCsvLine quotes as COPY does: separators, quotes, CR/LF and empty strings; NULL stays bare", () => {
  expect(copyCsvLine(["a", null, "", 'say "hi"', "x,y", "cr\r", "plain"])).toBe('a,,"","say ""hi""","x,y","cr\r",plain\n');
  expect(finishReportCsv('a,"b\u001e,c",d\n"\u001e\u001e"\n')).toEqual({ text: 'a,"b\nc",d\r\n"\u001e"\r\n', rows: 2 });
});
