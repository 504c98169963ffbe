import { describe, expect, test } from "bun:test";
import { DomainError } from "./errors.ts";
import type { StoredEvent } from "./event.ts";
import { DEFAULT_QUOTAS } from "./limits.ts";
import {
  canTransition,
  CSV_COLUMNS,
  csvField,
  csvHeaderLine,
  csvLine,
  jsonReportClose,
  jsonReportOpen,
  jsonReportRecord,
  planNewReport,
  REPORT_STATUSES,
  reportExpiresAt,
  reportFileName,
  type ReportSlotInfo,
  type ReportStatus,
} from "./report.ts";

describe("canTransition", () => {
  const allowed = new Set(["queued>generating", "queued>failed", "queued>expired", "generating>ready", "generating>failed", "ready>expired", "failed>expired"]);
  for (const from of REPORT_STATUSES)
    for (const to of REPORT_STATUSES) test(`${from} → ${to}`, () => expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`)));
});

describe("planNewReport", () => {
  const t = (h: number) => new Date(Date.UTC(2026, 10, 24, h));
  const r = (id: string, status: ReportStatus, h: number): ReportSlotInfo => ({
    id,
    status,
    createdAt: t(h),
    finishedAt: status === "ready" || status === "failed" ? t(h + 1) : null,
  });
  const q = DEFAULT_QUOTAS;

  const ok: [string, ReportSlotInfo[], string[]][] = [
    ["empty", [], []],
    ["room left", [r("a", "ready", 1), r("b", "generating", 2)], []],
    [
      "expired do not count",
      [r("a", "expired", 1), r("b", "expired", 2), r("c", "expired", 3), r("d", "expired", 4), r("e", "expired", 5), r("f", "ready", 6)],
      [],
    ],
    ["full: replace oldest finished", [r("a", "ready", 5), r("b", "failed", 2), r("c", "ready", 3), r("d", "generating", 1), r("e", "ready", 4)], ["b"]],
    [
      "over quota (lowered): replace several",
      [r("a", "ready", 1), r("b", "ready", 2), r("c", "ready", 3), r("d", "ready", 4), r("e", "ready", 5), r("f", "ready", 6)],
      ["a", "b"],
    ],
  ];
  for (const [label, existing, replace] of ok) test(label, () => expect(planNewReport(existing, q)).toEqual({ replace }));

  test("too many generating", () => {
    const plan = () => planNewReport([r("a", "generating", 1), r("b", "queued", 2)], q);
    expect(plan).toThrow(DomainError);
    expect(plan).toThrow(
      expect.objectContaining({
        code: "ReportLimitExceededException",
        message: "2 reports are already being generated (the limit is 2). Wait until one finishes.",
      }),
    );
  });
  test("singular message", () => {
    const plan = () => planNewReport([r("a", "generating", 1)], { ...q, reportsGenerating: 1 });
    expect(plan).toThrow(DomainError);
    expect(plan).toThrow(expect.objectContaining({ message: "1 report is already being generated (the limit is 1). Wait until one finishes." }));
  });
  test("full and nothing finished", () => {
    const plan = () => planNewReport([r("a", "generating", 1), r("b", "queued", 2)], { ...q, reportsStored: 2, reportsGenerating: 3 });
    expect(plan).toThrow(DomainError);
    expect(plan).toThrow(expect.objectContaining({ code: "ReportLimitExceededException" }));
  });
});

test("reportExpiresAt", () => {
  expect(reportExpiresAt(new Date("2026-11-24T10:00:00Z"), DEFAULT_QUOTAS).toISOString()).toBe("2026-11-27T10:00:00.000Z");
});

test("reportFileName", () => {
  expect(reportFileName("r1", "csv", new Date("2026-11-24T10:00:00Z"))).toBe("activity-log-20261124T100000Z-r1.csv");
});

describe("csvField", () => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["", ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line1\nline2", '"line1\nline2"'],
    ["cr\rhere", '"cr\rhere"'],
    ["=SUM(A1:A2)", "'=SUM(A1:A2)"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@cmd", "'@cmd"],
    ["\tx", "'\tx"],
    ["\rx", '"\'\rx"'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ["a=b", "a=b"],
    ["ünïcödé", "ünïcödé"],
  ];
  for (const [input, expected] of cases) test(JSON.stringify(input), () => expect(csvField(input)).toBe(expected));
});

const event: StoredEvent = {
  eventId: "ev-1",
  accountId: "acme",
  project: "prod",
  eventTime: new Date("2026-11-24T10:00:00.500Z"),
  eventName: "TerminateInstances",
  eventType: "AwsApiCall",
  eventSource: "ec2.amazonaws.com",
  readOnly: false,
  userName: "=evil",
  accessKeyId: "AKIA1",
  sourceIp: "10.0.0.1",
  userAgent: "aws-cli/2",
  requestId: "rq-1",
  errorCode: null,
  errorMessage: null,
  requestParameters: { InstanceId: "i-1" },
  responseElements: null,
  additionalEventData: null,
  resources: [
    { type: "AWS::EC2::Instance", name: "i-1" },
    { type: "AWS::EC2::Volume", name: "vol-1" },
  ],
  resourceIds: ["i-1", "vol-1"],
  searchText: "",
};

describe("csv rows", () => {
  test("header", () => {
    expect(csvHeaderLine()).toBe(`${CSV_COLUMNS.join(",")}\r\n`);
    expect(csvHeaderLine().startsWith("eventTime,eventName,userName,project,eventSource,readOnly,errorCode,errorMessage,sourceIPAddress")).toBe(true);
  });
  test("line", () => {
    const line = csvLine(event, "eu-1");
    expect(line.endsWith("\r\n")).toBe(true);
    expect(line).toBe(
      `2026-11-24T10:00:00Z,TerminateInstances,'=evil,prod,ec2.amazonaws.com,false,,,10.0.0.1,aws-cli/2,i-1; vol-1,AWS::EC2::Instance; AWS::EC2::Volume,AKIA1,ev-1,rq-1,AwsApiCall,eu-1,"{""InstanceId"":""i-1""}",\r\n`,
    );
  });
  test("column count matches header", () => {
    // Parse back with a minimal RFC 4180 reader to prove the quoting is sound.
    const fields = parseCsvLine(csvLine({ ...event, errorMessage: 'a,"b"\nc' }, "eu-1").slice(0, -2));
    expect(fields).toHaveLength(CSV_COLUMNS.length);
    expect(fields[7]).toBe('a,"b"\nc');
  });
});

function parseCsvLine(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= s.length) {
    if (s[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        if (s[i] === '"' && s[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (s[i] === '"') break;
        else v += s[i++];
      }
      out.push(v);
      i += 2;
    } else {
      const j = s.indexOf(",", i);
      const end = j === -1 ? s.length : j;
      out.push(s.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

test("json report is valid JSON", () => {
  const body = jsonReportOpen + jsonReportRecord(event, "eu-1", true) + jsonReportRecord({ ...event, eventId: "ev-2" }, "eu-1", false) + jsonReportClose;
  const parsed = JSON.parse(body);
  expect(parsed.Records.map((r: { eventID: string }) => r.eventID)).toEqual(["ev-1", "ev-2"]);
  expect(JSON.parse(jsonReportOpen + jsonReportClose)).toEqual({ Records: [] });
});

test("serialised rows render the same JSON records as stored events", async () => {
  const { jsonReportRecordSerialized, toSerializedReportEvent } = await import("./report.ts");
  const base = {
    eventId: "ev-1",
    accountId: "acc",
    project: "p",
    eventTime: new Date("2026-11-24T09:30:00.123Z"),
    eventName: "PutObject",
    eventType: "AwsApiCall",
    eventSource: "s3",
    readOnly: false,
    userName: "=u",
    accessKeyId: null,
    sourceIp: "-1",
    userAgent: "\u0001requestParameters",
    requestId: null,
    errorCode: null,
    errorMessage: '"requestParameters":"\u0001requestParameters"',
    requestParameters: { a: [1, { b: '"x,' }] },
    responseElements: null,
    additionalEventData: { z: 1.5 },
    resources: [
      { type: "t", name: "n" },
      { type: "t2", name: "n2" },
    ],
    resourceIds: [],
    searchText: "",
  } as unknown as StoredEvent;
  for (const e of [base, { ...base, requestParameters: null, responseElements: { ok: true }, additionalEventData: null, resources: [] }]) {
    const s = toSerializedReportEvent(e);
    expect(jsonReportRecordSerialized(s, "eu-1", false)).toBe(jsonReportRecord(e, "eu-1", false));
  }
});

test("CSV_FORMULA_LEADS are exactly the first characters csvField guards (the SQL renderer uses the list)", async () => {
  const { CSV_FORMULA_LEADS, csvField } = await import("./report.ts");
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const guarded = csvField(`${ch}x`).replace(/^"/, "").startsWith(`'${ch}x`);
    expect({ ch, guarded }).toEqual({ ch, guarded: (CSV_FORMULA_LEADS as readonly string[]).includes(ch) });
  }
});
