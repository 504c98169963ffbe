// Hostile input (issue 12, tests): a corpus of malformed and malicious payloads — NUL, lone
// surrogates, invalid UTF-8, deep nesting, huge bodies, wrong types, an oversized batch, prototype
// keys — sent to every endpoint. Each gets a 4xx (never a 5xx), the service keeps serving, and no
// row of the service's state changes. The corpus is generic on purpose: it names inputs and
// endpoints, not the validation code behind them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../db/rows.ts";
import {
  type ConsoleBrowser,
  consoleBrowser,
  createTestUser,
  rawCloudTrailCall,
  startTestServer,
  TEST_INGEST_TOKEN,
  TEST_OPERATOR_TOKEN,
  type TestServer,
  type TestUser,
} from "../test-kit/index.ts";
import { addToGroup, createUser } from "../db/iam.ts";

let h: TestServer;
let admin: TestUser;
let browser: ConsoleBrowser;
const ACCOUNT = "hostile-co";
const PASSWORD = "hostile-input-password";

/** Raw bodies: text (sent as UTF-8) or bytes (sent as they are). */
type Body = string | Uint8Array;

const deep = (depth: number, open = "[", close = "]") => `${open.repeat(depth)}${close.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** Values that go where a string is expected, as raw JSON text. */
const HOSTILE_VALUES: [string, string][] = [
  ["NUL", JSON.stringify("a\u0000b")],
  ["a lone surrogate", '"\\ud800"'],
  ["a lone low surrogate", '"x\\udfffy"'],
  ["a number", "12345"],
  ["an object", '{"nested":true}'],
  ["an array", '["a","b"]'],
  ["null", "null"],
  ["a 100k-character string", JSON.stringify("x".repeat(100_000))],
  ["deep nesting", deep(5_000)],
];

/** Whole bodies that no endpoint can take. */
const HOSTILE_BODIES: [string, Body][] = [
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ["truncated JSON", '{"a":'],
  ["a JSON array", "[1,2,3]"],
  ["a JSON string", '"hello"'],
  ["100k levels of nesting", deep(100_000)],
  ["100k levels of objects", deepObject(100_000)],
  ["a 6 MB body", JSON.stringify({ padding: "x".repeat(6 * 1024 * 1024) })],
  ["prototype keys", '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'],
];

function signedCloudTrail(operation: string, body: Body): Promise<Response> {
  return rawCloudTrailCall(h.url, admin, operation, body);
}

function bearer(path: string, token: string, body: Body, contentType = "application/json"): Promise<Response> {
  return fetch(`${h.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": contentType }, body: body as BodyInit });
}

function consoleRaw(method: string, path: string, body: Body): Promise<Response> {
  return browser.fetch(path, { method, body: body as BodyInit, headers: { "content-type": "application/json" } });
}

/** Every endpoint that takes a body, with where a hostile value goes in it. */
const BODY_ENDPOINTS: [string, (value: string) => Body, (body: Body) => Promise<Response>][] = [
  ...(
    [
      ["LookupEvents", (v: string) => `{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":${v}}]}`],
      ["CreateTrail", (v: string) => `{"Name":"hostile-trail","S3BucketName":"hostile-bucket","S3KeyPrefix":${v}}`],
      ["UpdateTrail", (v: string) => `{"Name":"existing-trail","S3KeyPrefix":${v}}`],
      ["GetTrail", (v: string) => `{"Name":${v}}`],
      ["GetTrailStatus", (v: string) => `{"Name":${v}}`],
      ["StartLogging", (v: string) => `{"Name":${v}}`],
      ["StopLogging", (v: string) => `{"Name":${v}}`],
      ["DeleteTrail", (v: string) => `{"Name":${v}}`],
      ["DescribeTrails", (v: string) => `{"trailNameList":[${v}]}`],
      ["GetEventSelectors", (v: string) => `{"TrailName":${v}}`],
      ["PutEventSelectors", (v: string) => `{"TrailName":"existing-trail","EventSelectors":[{"ReadWriteType":${v}}]}`],
    ] as const
  ).map(([op, place]): [string, (v: string) => Body, (b: Body) => Promise<Response>] => [`CloudTrail ${op}`, place, (b) => signedCloudTrail(op, b)]),
  ["console POST /session", (v) => `{"account":${v},"user":"u","password":"p"}`, (b) => consoleRaw("POST", "/session", b)],
  ["console POST /trails", (v) => `{"name":"hostile-trail","bucket":"hostile-bucket","prefix":${v}}`, (b) => consoleRaw("POST", "/trails", b)],
  ["console PATCH /trails/existing-trail", (v) => `{"prefix":${v}}`, (b) => consoleRaw("PATCH", "/trails/existing-trail", b)],
  ["console POST /reports", (v) => `{"format":"csv","filter":{"eventName":${v}}}`, (b) => consoleRaw("POST", "/reports", b)],
  ["ingest POST /internal/v1/events", (v) => `{"events":[{"eventName":${v}}]}`, (b) => bearer("/internal/v1/events", TEST_INGEST_TOKEN, b)],
  ["operator POST /accounts", (v) => `{"account":${v}}`, (b) => bearer("/internal/v1/operator/accounts", TEST_OPERATOR_TOKEN, b)],
  ["operator POST /accounts/:account/users", (v) => `{"user":${v}}`, (b) => bearer(`/internal/v1/operator/accounts/${ACCOUNT}/users`, TEST_OPERATOR_TOKEN, b)],
];

/** Query-string endpoints of the console, with where a hostile value goes. */
const QUERY_ENDPOINTS: [string, (value: string) => string][] = [
  ["console GET /events", (v) => `/events?eventName=${encodeQuery(v)}`],
  ["console GET /events (search)", (v) => `/events?search=${encodeQuery(v)}`],
  ["console GET /histogram", (v) => `/histogram?userName=${encodeQuery(v)}`],
  ["console GET /events/:id", (v) => `/events/${encodeQuery(v)}`],
  ["console GET /events (limit)", (v) => `/events?limit=${encodeQuery(v)}`],
  ["console GET /events (nextToken)", (v) => `/events?nextToken=${encodeQuery(v)}`],
];
const LONE_SURROGATE_QUERY = "\ud800";
/** encodeURIComponent refuses a lone surrogate; a client can still send its WTF-8 bytes. */
const encodeQuery = (v: string) => (v === LONE_SURROGATE_QUERY ? "%ED%A0%80" : encodeURIComponent(v));
const HOSTILE_QUERY_VALUES: [string, string][] = [
  ["NUL", "a\u0000b"],
  ["a lone surrogate (as %ED%A0%80)", LONE_SURROGATE_QUERY],
  ["a 100k-character string", "x".repeat(100_000)],
  ["SQL", "' OR 1=1 --"],
  ["a LIKE wildcard", "%_%"],
];

/** The state hostile input must not change: counts of every table a caller can write to. */
async function stateCounts(): Promise<Record<string, number>> {
  const [row] = await rowsOf<Record<string, string>>(
    h.deps.database.db,
    sql`select
      (select count(*) from accounts) as accounts,
      (select count(*) from projects) as projects,
      (select count(*) from users) as users,
      (select count(*) from access_keys) as access_keys,
      (select count(*) from trails) as trails,
      (select count(*) from reports) as reports,
      (select count(*) from local_buckets) as local_buckets,
      (select count(*) from events where event_source not like 'activitylog.%' and event_source not in ('cloudtrail.amazonaws.com', 'signin.amazonaws.com')) as ingested_events,
      (select string_agg(name || ':' || prefix || ':' || is_logging::text || ':' || read_write_type, ',' order by name) from trails) as trail_state`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, k === "trail_state" ? (v as unknown as number) : Number(v)]));
}

let before: Record<string, number>;

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  admin = await createTestUser(h, ACCOUNT, "admin");
  await h.createBucket("hostile-bucket", { account: ACCOUNT });
  const db = h.deps.database.db;
  await createUser(db, admin.accountId, "console-admin", PASSWORD);
  await addToGroup(db, admin.accountId, "console-admin", "default");
  browser = consoleBrowser(h);
  expect((await browser.signIn(ACCOUNT, "console-admin", PASSWORD)).status).toBe(200);
  expect((await signedCloudTrail("CreateTrail", '{"Name":"existing-trail","S3BucketName":"hostile-bucket","S3KeyPrefix":"kept"}')).status).toBe(200);
  before = await stateCounts();
}, 300_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

/** A 4xx, never a 5xx or a success, and not a row changed by this request. */
async function expectRefused(label: string, send: () => Promise<Response>): Promise<void> {
  const start = await stateCounts();
  const res = await send();
  const text = await res.text();
  expect([label, res.status >= 400 && res.status < 500 ? "4xx" : `${res.status} ${text.slice(0, 200)}`]).toEqual([label, "4xx"]);
  expect(await stateCounts()).toEqual(start);
}

/** Endpoints whose hostile field is optional: null there means "absent" and is rightly accepted. */
const OPTIONAL_FIELD = new Set(["CloudTrail CreateTrail", "CloudTrail UpdateTrail", "CloudTrail PutEventSelectors"]);

describe("hostile values where a string is expected", () => {
  for (const [endpoint, place, send] of BODY_ENDPOINTS) {
    for (const [what, value] of HOSTILE_VALUES) {
      if (what === "null" && OPTIONAL_FIELD.has(endpoint)) continue;
      const name = `${endpoint} with ${what}`;
      test(name, async () => expectRefused(name, () => send(place(value))), 60_000);
    }
  }
});

describe("hostile bodies", () => {
  for (const [endpoint, , send] of BODY_ENDPOINTS) {
    for (const [what, body] of HOSTILE_BODIES) {
      const name = `${endpoint} with ${what}`;
      test(name, async () => expectRefused(name, () => send(body)), 60_000);
    }
  }

  test("ingest: 1,001 events in one batch, and NDJSON with a bad line, are refused whole", async () => {
    const event = { eventName: "RunInstances", eventSource: "ec2.amazonaws.com", recipientAccountId: ACCOUNT, eventTime: new Date().toISOString() };
    await expectRefused("1,001 events", () => bearer("/internal/v1/events", TEST_INGEST_TOKEN, JSON.stringify({ events: Array(1001).fill(event) })));
    const ndjson = `${JSON.stringify(event)}\n{"eventName":\n`;
    await expectRefused("NDJSON", () => bearer("/internal/v1/events", TEST_INGEST_TOKEN, ndjson, "application/x-ndjson"));
  }, 60_000);
});

describe("hostile query strings", () => {
  for (const [endpoint, path] of QUERY_ENDPOINTS) {
    for (const [what, value] of HOSTILE_QUERY_VALUES) {
      const name = `${endpoint} with ${what}`;
      test(name, async () => {
        const res = await browser.fetch(path(value));
        // A harmless value may simply match nothing (200); what it must never do is fail (5xx).
        expect([name, res.status < 500]).toEqual([name, true]);
        await res.arrayBuffer();
      }, 60_000);
    }
  }
});

/** The error code a refusal names: `__type` on the CloudTrail API, `error` on the others. */
async function refusalCode(res: Response): Promise<string> {
  const body = (await res.json()) as { __type?: string; error?: string };
  return `${res.status} ${body.__type ?? body.error}`;
}

describe("refusals name the operation's error", () => {
  test("CloudTrail: a lone surrogate in a lookup attribute, invalid UTF-8 and unknown members", async () => {
    const lookup = await signedCloudTrail("LookupEvents", '{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"\\ud800"}]}');
    expect(await refusalCode(lookup)).toBe("400 InvalidLookupAttributesException");
    const utf8 = await signedCloudTrail("DescribeTrails", HOSTILE_BODIES.find(([what]) => what === "invalid UTF-8")![1]);
    expect(await refusalCode(utf8)).toBe("400 SerializationException");
    // A misspelt member is not answered as if it were absent (all trails, all events).
    const misspelt = await signedCloudTrail("DescribeTrails", '{"trailNameLists":["existing-trail"]}');
    const body = (await misspelt.clone().json()) as { message: string };
    expect(await refusalCode(misspelt)).toBe("400 SerializationException");
    expect(body.message).toContain("trailNameLists");
    expect(await refusalCode(await signedCloudTrail("LookupEvents", '{"__proto__":{"polluted":true}}'))).toBe("400 SerializationException");
    // Known members still work.
    expect((await signedCloudTrail("DescribeTrails", '{"trailNameList":["existing-trail"],"includeShadowTrails":false}')).status).toBe(200);
  }, 60_000);

  test("console: a trail update that is not an object or has unknown members, and a report filter with a lone surrogate", async () => {
    expect(await refusalCode(await consoleRaw("PATCH", "/trails/existing-trail", "[]"))).toBe("400 ValidationException");
    const misspelt = await consoleRaw("PATCH", "/trails/existing-trail", '{"prefixx":"changed"}');
    expect(await refusalCode(misspelt)).toBe("400 ValidationException");
    const report = await consoleRaw("POST", "/reports", '{"format":"csv","filter":{"eventName":"\\ud800"}}');
    expect(await refusalCode(report)).toBe("400 ValidationException");
    expect((await stateCounts()).trail_state).toEqual(before.trail_state);
  }, 60_000);
});

describe("afterwards", () => {
  test("the service still serves, nothing changed, and no prototype was polluted", async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await browser.fetch("/me")).status).toBe(200);
    expect(await stateCounts()).toEqual(before);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((Object.prototype as { polluted?: unknown }).polluted).toBeUndefined();
  }, 60_000);
});
