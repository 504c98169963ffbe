import { describe, expect, test } from "bun:test";
import {
  eventTimeProblem,
  formatEventTime,
  MAX_INGEST_BATCH,
  toCloudTrailRecord,
  toLookupEvent,
  toStoredEvent,
  validateIngestBatch,
  type IngestEvent,
} from "./event.ts";

const ids = { newEventId: () => "gen-event", newRequestId: () => "gen-req" };

const base = {
  eventTime: "2026-11-24T10:00:00Z",
  eventName: "TerminateInstances",
  eventSource: "ec2.amazonaws.com",
  recipientAccountId: "acme",
  project: "prod",
  userName: "alice",
};

function valid(item: unknown): IngestEvent {
  const r = validateIngestBatch([item]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.events[0]!;
}

describe("validateIngestBatch", () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ["missing eventTime", { eventTime: undefined }, "eventTime"],
    ["bad eventTime", { eventTime: "yesterday" }, "eventTime"],
    ["impossible date", { eventTime: "2026-02-31T10:00:00Z" }, "eventTime"],
    ["eventName with dash", { eventName: "Get-Thing" }, "eventName"],
    ["eventName leading digit", { eventName: "1Get" }, "eventName"],
    ["eventName too long", { eventName: "A".repeat(129) }, "eventName"],
    ["eventType unknown", { eventType: "Foo" }, "eventType"],
    ["empty eventSource", { eventSource: "" }, "eventSource"],
    ["account upper case", { recipientAccountId: "Acme" }, "recipientAccountId"],
    ["account too short", { recipientAccountId: "a" }, "recipientAccountId"],
    ["account leading dash", { recipientAccountId: "-acme" }, "recipientAccountId"],
    ["project too long", { project: "p".repeat(65) }, "project"],
    ["empty userName", { userName: "" }, "userName"],
    ["userAgent too long", { userAgent: "u".repeat(1025) }, "userAgent"],
    ["eventID too long", { eventID: "e".repeat(65) }, "eventID"],
    ["eventID with space", { eventID: "a b" }, "eventID"],
    ["requestParameters string", { requestParameters: "x" }, "requestParameters"],
    ["requestParameters array", { requestParameters: [1] }, "requestParameters"],
    ["resources bad item", { resources: [{ type: "T" }] }, "resources.0.name"],
    ["readOnly string", { readOnly: "true" }, "readOnly"],
  ];
  for (const [label, patch, field] of bad)
    test(`rejects ${label}`, () => {
      const r = validateIngestBatch([base, { ...base, ...patch }]);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.length).toBeGreaterThan(0);
      expect(r.errors[0]!.index).toBe(1);
      expect(r.errors[0]!.field).toBe(field);
      expect(r.errors[0]!.message.length).toBeGreaterThan(5);
    });

  const good: [string, Record<string, unknown>][] = [
    ["minimal", {}],
    ["fractional and offset time", { eventTime: "2026-11-24T10:00:00.123456+02:00" }],
    ["uuid eventID", { eventID: "0b8c5b3e-1f2a-4c3d-9e8f-0123456789ab" }],
    ["nulls for optionals", { accessKeyId: null, requestParameters: null, responseElements: null, readOnly: null }],
    ["console sign-in", { eventType: "AwsConsoleSignIn", eventName: "ConsoleLogin" }],
    ["unknown keys ignored", { awsRegion: "x", extra: 1 }],
  ];
  for (const [label, patch] of good)
    test(`accepts ${label}`, () => {
      expect(validateIngestBatch([{ ...base, ...patch }]).ok).toBe(true);
    });

  test("strips unknown keys and defaults eventType", () => {
    const e = valid({ ...base, extra: 1 });
    expect("extra" in e).toBe(false);
    expect(e.eventType).toBe("AwsApiCall");
  });
  test("non-object items", () => {
    const r = validateIngestBatch([null, 5]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((x) => x.index)).toEqual([0, 1]);
  });
  test("batch size limit", () => {
    expect(validateIngestBatch(Array(MAX_INGEST_BATCH).fill(base)).ok).toBe(true);
    const r = validateIngestBatch(Array(MAX_INGEST_BATCH + 1).fill(base));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toContain("1000");
  });
  test("empty batch is ok", () => {
    expect(validateIngestBatch([])).toEqual({ ok: true, events: [] });
  });
});

describe("toStoredEvent", () => {
  test("fills defaults and derived fields", () => {
    const e = toStoredEvent(valid({ ...base, requestParameters: { instancesSet: { items: [{ instanceId: "i-0abc" }] } }, responseElements: { ok: 1 } }), ids);
    expect(e).toMatchObject({
      eventId: "gen-event",
      requestId: "gen-req",
      accountId: "acme",
      eventType: "AwsApiCall",
      readOnly: false,
      accessKeyId: null,
      sourceIp: null,
      responseElements: { ok: 1 },
      resources: [{ type: "AWS::EC2::Instance", name: "i-0abc" }],
      resourceIds: ["i-0abc"],
    });
    expect(e.eventTime.toISOString()).toBe("2026-11-24T10:00:00.000Z");
  });

  const readOnlyCases: [string, Record<string, unknown>, boolean][] = [
    ["derived read", { eventName: "DescribeInstances" }, true],
    ["derived write", { eventName: "RunInstances" }, false],
    ["explicit overrides derivation", { eventName: "DescribeInstances", readOnly: false }, false],
    ["explicit true", { eventName: "DoThing", readOnly: true }, true],
    ["console never read-only", { eventName: "GetConsoleThing", eventType: "AwsConsoleSignIn", readOnly: true }, false],
  ];
  for (const [label, patch, expected] of readOnlyCases)
    test(`readOnly: ${label}`, () => {
      expect(toStoredEvent(valid({ ...base, ...patch }), ids).readOnly).toBe(expected);
    });

  test("read-only events drop responseElements", () => {
    const e = toStoredEvent(valid({ ...base, eventName: "GetObject", responseElements: { body: "x" } }), ids);
    expect(e.responseElements).toBeNull();
  });

  test("given resources first, merged with extracted, deduplicated", () => {
    const e = toStoredEvent(
      valid({
        ...base,
        resources: [{ type: "AWS::EC2::Instance", name: "i-2" }],
        requestParameters: { InstanceId: ["i-1", "i-2"] as unknown, InstanceIds: ["i-1", "i-2"] },
      }),
      ids,
    );
    expect(e.resourceIds).toEqual(["i-2", "i-1"]);
  });

  test("keeps given ids", () => {
    const e = toStoredEvent(valid({ ...base, eventID: "ev-1", requestID: "rq-1" }), ids);
    expect([e.eventId, e.requestId]).toEqual(["ev-1", "rq-1"]);
  });

  test("searchText holds the searchable values, newline separated", () => {
    const e = toStoredEvent(
      valid({
        ...base,
        eventID: "ev-1",
        accessKeyId: "AKIA1",
        sourceIPAddress: "10.0.0.1",
        userAgent: "aws-cli/2",
        errorCode: "Client.Unauthorized",
        errorMessage: "You are not authorized",
        requestParameters: { InstanceId: "i-0abc" },
        responseElements: { state: "shutting-down" },
      }),
      ids,
    );
    const lines = e.searchText.split("\n");
    for (const s of [
      "TerminateInstances",
      "alice",
      "prod",
      "ec2.amazonaws.com",
      "10.0.0.1",
      "aws-cli/2",
      "Client.Unauthorized",
      "You are not authorized",
      "i-0abc",
      "AKIA1",
      "ev-1",
      '{"InstanceId":"i-0abc"}',
      '{"state":"shutting-down"}',
    ])
      expect(lines).toContain(s);
  });
});

describe("rendering", () => {
  const stored = toStoredEvent(
    valid({ ...base, eventTime: "2026-11-24T10:00:00.789Z", eventID: "ev-1", accessKeyId: "AKIA1", requestParameters: { InstanceId: "i-1" } }),
    ids,
  );

  test("formatEventTime drops milliseconds", () => {
    expect(formatEventTime(new Date("2026-11-24T10:00:00.789Z"))).toBe("2026-11-24T10:00:00Z");
  });

  test("toCloudTrailRecord", () => {
    const r = toCloudTrailRecord(stored, "eu-central-1");
    expect(r).toMatchObject({
      eventVersion: "1.08",
      userIdentity: { type: "IAMUser", userName: "alice", accountId: "acme", accessKeyId: "AKIA1" },
      eventTime: "2026-11-24T10:00:00Z",
      awsRegion: "eu-central-1",
      eventName: "TerminateInstances",
      eventID: "ev-1",
      requestID: "gen-req",
      readOnly: false,
      eventType: "AwsApiCall",
      recipientAccountId: "acme",
      project: "prod",
      resources: [{ type: "AWS::EC2::Instance", name: "i-1" }],
    });
    expect("errorCode" in r).toBe(false);
    expect("errorMessage" in r).toBe(false);
  });

  test("toCloudTrailRecord includes errors when set", () => {
    const r = toCloudTrailRecord({ ...stored, errorCode: "AccessDenied", errorMessage: "no" }, "r");
    expect([r.errorCode, r.errorMessage]).toEqual(["AccessDenied", "no"]);
  });

  test("toLookupEvent", () => {
    const l = toLookupEvent(stored, "eu-central-1");
    expect(l).toMatchObject({
      EventId: "ev-1",
      EventName: "TerminateInstances",
      ReadOnly: "false",
      AccessKeyId: "AKIA1",
      EventSource: "ec2.amazonaws.com",
      Username: "alice",
      Project: "prod",
      Resources: [{ ResourceType: "AWS::EC2::Instance", ResourceName: "i-1" }],
    });
    expect(l.EventTime).toEqual(stored.eventTime);
    expect(JSON.parse(l.CloudTrailEvent).eventID).toBe("ev-1");
    expect("AccessKeyId" in toLookupEvent({ ...stored, accessKeyId: null }, "r")).toBe(false);
  });
});

describe("eventTimeProblem", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  test.each([
    ["now", "2026-11-24T12:00:00Z", null],
    ["within clock skew ahead", "2026-11-24T12:14:59Z", null],
    ["too far ahead", "2026-11-24T12:15:01Z", "more than 15 minutes in the future"],
    ["at the retention edge", "2026-10-25T12:00:00Z", null],
    ["older than retention", "2026-10-25T11:59:59Z", "older than the account's retention of 30 days"],
  ])("%s", (_label, time, problem) => {
    const got = eventTimeProblem(new Date(time), now, 30);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toContain(problem);
  });
});
