// No executed call without its event (issue 12 items 1, 2, 8), through the real server: every call
// is either refused or carried out *and* recorded. Recording failures are injected for real: a
// trigger on `events` raises for one user's events, so the database itself refuses the insert.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_EVENT_DEPTH } from "@activity-log/core";
import { and, eq } from "drizzle-orm";
import { openDatabase } from "./db/client.ts";
import { setQuota } from "./db/iam.ts";
import { nativeQuery } from "./db/rows.ts";
import { users } from "./db/schema/iam.ts";
import { withStatementTimeout } from "./db/statement-timeout.ts";
import { NOT_RECORDED_MESSAGE } from "./record.ts";
import { createTestUser, rawCloudTrailCall, startTestServer, TEST_INGEST_TOKEN, type TestServer, type TestUser, testIngestEvent } from "./test-kit/index.ts";

let h: TestServer;
let throttled: TestServer;
let alice: TestUser;
/** Every event of this user is refused by the database (the injected recording failure). */
let broken: TestUser;
let brokenConsole: ConsoleClient;
const PASSWORD = "correct-horse-battery";
const BUCKET = "integrity-bucket";
let seq = 0;
const uniqueTrail = () => `trail-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

/** A CloudTrail call with a raw JSON body, signed like the AWS CLI (the SDK would drop unknown members). */
async function ct(user: TestUser, operation: string, body: string | Record<string, unknown>) {
  const res = await rawCloudTrailCall(h.url, user, operation, typeof body === "string" ? body : JSON.stringify(body));
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

type ConsoleClient = Awaited<ReturnType<typeof signIn>>;

async function signIn(server: TestServer, user: TestUser) {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ account: user.alias, user: user.userName, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return (path: string, init: { method?: string; json?: unknown; body?: string } = {}) =>
    fetch(`${server.url}/api/v1${path}`, {
      method: init.method ?? "GET",
      headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
}

async function setPassword(user: TestUser) {
  await h.deps.database.db
    .update(users)
    .set({ passwordHash: await Bun.password.hash(PASSWORD) })
    .where(and(eq(users.accountId, user.accountId), eq(users.name, user.userName)));
}

type EventRow = { event_name: string; error_code: string | null; request_parameters: Record<string, unknown> | null; user_name: string };

/** The stored events of one call name by one user, newest first. */
async function eventsOf(user: TestUser, eventName: string): Promise<EventRow[]> {
  return nativeQuery<EventRow>(
    h.deps.database,
    `select event_name, error_code, request_parameters, user_name from events
     where user_name = $1 and event_name = $2 order by event_time desc, event_id desc`,
    [user.userName, eventName],
  );
}

async function createLoggingTrail(user: TestUser): Promise<string> {
  const name = uniqueTrail();
  expect((await ct(user, "CreateTrail", { Name: name, S3BucketName: BUCKET })).status).toBe(200);
  expect((await ct(user, "StartLogging", { Name: name })).status).toBe(200);
  return name;
}

async function trailRow(name: string) {
  const [row] = await nativeQuery<{ is_logging: boolean; prefix: string }>(h.deps.database, "select is_logging, prefix from trails where name = $1", [name]);
  return row;
}

/** `{"n": {"n": … {}}}`: `levels` objects deep, as JSON text (built as text: no recursion anywhere). */
const deepJson = (levels: number) => `${'{"n":'.repeat(levels)}{}${"}".repeat(levels)}`;

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  alice = await createTestUser(h, "acme", "alice");
  broken = await createTestUser(h, "acme", "broken");
  await h.createBucket(BUCKET, { account: alice.alias });
  // Each test makes its own trail.
  await setQuota(h.deps.database.db, alice.accountId, "trails", 100);
  await setPassword(alice);
  await setPassword(broken);
  brokenConsole = await signIn(h, broken);
  // Injected recording failure: the database refuses every event of user "broken".
  await nativeQuery(
    h.deps.database,
    `create or replace function integrity_refuse_event() returns trigger language plpgsql as $$
     begin raise exception 'injected: this event cannot be stored'; end $$`,
  );
  await nativeQuery(
    h.deps.database,
    `create trigger integrity_refuse before insert on events for each row when (new.user_name = 'broken') execute function integrity_refuse_event()`,
  );
  throttled = await startTestServer({ storage: "local", database: h.deps.database, consoleRateLimit: { ratePerSecond: 0.001, burst: 3 } });
}, 120_000);

afterAll(async () => {
  await throttled?.close();
  await h?.close();
}, 60_000);

describe("CloudTrail API: recorded or refused, never executed unrecorded", () => {
  test("StopLogging with a lone surrogate in an unknown member is refused, nothing changes, and the refusal is recorded, the surrogate as U+FFFD", async () => {
    const name = await createLoggingTrail(alice);
    const res = await ct(alice, "StopLogging", `{"Name":"${name}","Comment":"\\ud800"}`);
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe("SerializationException");
    expect((await trailRow(name))?.is_logging).toBe(true);
    const refused = (await eventsOf(alice, "StopLogging")).find((e) => e.request_parameters?.Name === name);
    expect(refused?.error_code).toBe("SerializationException");
    expect(refused?.request_parameters).toEqual({ Name: name, Comment: "\ufffd" });
  });

  test("a NUL in a parameter is refused up front with 400, nothing changes, and the refusal is recorded", async () => {
    const name = await createLoggingTrail(alice);
    const res = await ct(alice, "StopLogging", `{"Name":"${name}","Comment":"a\\u0000b"}`);
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe("InvalidParameterException");
    expect(String(res.body.message)).toContain("Comment");
    expect((await trailRow(name))?.is_logging).toBe(true);
    const refused = (await eventsOf(alice, "StopLogging")).find((e) => e.request_parameters?.Name === name);
    expect(refused?.error_code).toBe("InvalidParameterException");
    expect(refused?.request_parameters?.Comment).toBe("a\ufffdb");
  });

  test("parameters nested 100,000 levels deep (an unknown member): refused, nothing changes, recorded with the omitted marker", async () => {
    const name = await createLoggingTrail(alice);
    const res = await ct(alice, "UpdateTrail", `{"Name":"${name}","S3KeyPrefix":"deep","Extra":${deepJson(100_000)}}`);
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe("SerializationException");
    expect((await trailRow(name))?.prefix).not.toBe("deep");
    const [event] = await eventsOf(alice, "UpdateTrail");
    expect(event?.error_code).toBe("SerializationException");
    expect(event?.request_parameters).toEqual({ omitted: true, reason: `nested deeper than ${MAX_EVENT_DEPTH} levels` });
  });

  test("LookupEvents: a NUL in an attribute value is InvalidLookupAttributesException (400), recorded", async () => {
    const res = await ct(alice, "LookupEvents", { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "Stop\u0000Logging" }] });
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe("InvalidLookupAttributesException");
    const refused = (await eventsOf(alice, "LookupEvents")).filter((e) => e.error_code === "InvalidLookupAttributesException");
    expect(refused.length).toBeGreaterThan(0);
  });

  describe("when the event cannot be stored (injected database failure)", () => {
    const expectRefused = (res: { status: number; headers: Headers; body: Record<string, unknown> }) => {
      expect(res.status).toBe(503);
      expect(res.body.__type).toBe("ServiceUnavailableException");
      expect(res.body.message).toBe(NOT_RECORDED_MESSAGE);
      expect(res.headers.get("retry-after")).toBe("5");
    };

    test("StopLogging, UpdateTrail and DeleteTrail answer 503 and change nothing", async () => {
      const name = await createLoggingTrail(alice);
      expectRefused(await ct(broken, "StopLogging", { Name: name }));
      expect((await trailRow(name))?.is_logging).toBe(true);
      expectRefused(await ct(broken, "UpdateTrail", { Name: name, S3KeyPrefix: "moved" }));
      expect((await trailRow(name))?.prefix).toBe("");
      expectRefused(await ct(broken, "DeleteTrail", { Name: name }));
      expect(await trailRow(name)).toBeDefined();
      expect(await eventsOf(broken, "DeleteTrail")).toEqual([]);
    });

    test("CreateTrail answers 503 and creates no trail", async () => {
      const name = uniqueTrail();
      expectRefused(await ct(broken, "CreateTrail", { Name: name, S3BucketName: BUCKET }));
      expect(await trailRow(name)).toBeUndefined();
    });

    test("a read (LookupEvents, DescribeTrails) answers 503 instead of its data", async () => {
      const lookup = await ct(broken, "LookupEvents", {});
      expectRefused(lookup);
      expect(lookup.body.Events).toBeUndefined();
      expectRefused(await ct(broken, "DescribeTrails", {}));
    });

    test("a refused call whose refusal cannot be stored is 503 too", async () => {
      expectRefused(await ct(broken, "StopLogging", { Name: "no-such-trail" }));
    });
  });
});

describe("console API: recorded or refused, never executed unrecorded", () => {
  test("PATCH /trails/:name is recorded; a NUL or a lone surrogate in the prefix is a 400 that changes nothing", async () => {
    const name = await createLoggingTrail(alice);
    const browser = await signIn(h, alice);
    // A lone surrogate is no valid prefix (InvalidS3PrefixException); the refusal is recorded, the text as U+FFFD.
    let res = await browser(`/trails/${name}`, { method: "PATCH", json: { prefix: "logs\ud800" } });
    expect(res.status).toBe(400);
    const [refusal] = (await eventsOf(alice, "UpdateTrail")).filter((e) => e.request_parameters?.name === name);
    expect(refusal?.request_parameters).toEqual({ name, prefix: "logs\ufffd" });

    res = await browser(`/trails/${name}`, { method: "PATCH", json: { prefix: "a\u0000" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string; message: string }).message).toContain("prefix");
    expect((await trailRow(name))?.prefix).toBe("");

    res = await browser(`/trails/${name}`, { method: "PATCH", json: { prefix: "logs" } });
    expect(res.status).toBe(200);
    expect((await trailRow(name))?.prefix).toBe("logs");
    const recorded = (await eventsOf(alice, "UpdateTrail")).filter((e) => e.request_parameters?.name === name && e.request_parameters?.prefix === "logs");
    expect(recorded).toHaveLength(1);
  });

  test("with the event refused by the database: PATCH, stop and delete answer 503 and change nothing", async () => {
    const name = await createLoggingTrail(alice);
    for (const [path, method, json] of [
      [`/trails/${name}`, "PATCH", { prefix: "moved" }],
      [`/trails/${name}/stop`, "POST", undefined],
      [`/trails/${name}`, "DELETE", undefined],
    ] as const) {
      const res = await brokenConsole(path, { method, json });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(((await res.json()) as { error: string }).error).toBe("ServiceUnavailableException");
    }
    expect(await trailRow(name)).toEqual({ is_logging: true, prefix: "" });
  });

  test("with the event refused: reads answer 503, and a sign-in sets no cookie", async () => {
    const res = await brokenConsole("/events");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { events?: unknown };
    expect(body.events).toBeUndefined();
    const login = await fetch(`${h.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account: broken.alias, user: broken.userName, password: PASSWORD }),
    });
    expect(login.status).toBe(503);
    expect(login.headers.get("set-cookie")).toBeNull();
  });

  test("a NUL in an events filter, a histogram search or a report filter is a 400", async () => {
    const browser = await signIn(h, alice);
    for (const path of ["/events?eventName=Stop%00Logging", "/events?search=abc%00", "/histogram?userName=a%00", "/events?resourceName=%00"]) {
      const res = await browser(path);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("ValidationException");
    }
    const report = await browser("/reports", { method: "POST", json: { format: "csv", filter: { userName: "a\u0000b" } } });
    expect(report.status).toBe(400);
    expect(((await report.json()) as { message: string }).message).toContain("filter.userName");
    const [row] = await nativeQuery<{ count: number }>(h.deps.database, "select count(*)::int as count from reports");
    expect(row?.count).toBe(0);
  });

  test("each session is rate limited: ThrottlingException (429, Retry-After); another session is not affected", async () => {
    const first = await signIn(throttled, alice);
    for (let i = 0; i < 3; i++) expect((await first("/trails")).status).toBe(200);
    const res = await first("/trails");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as { error: string }).error).toBe("ThrottlingException");
    const second = await signIn(throttled, alice);
    expect((await second("/trails")).status).toBe(200);
  });
});

describe("ingest: hostile text is a 400 naming the event and field", () => {
  const post = (body: string) =>
    fetch(`${h.url}/internal/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}`, "content-type": "application/json" },
      body,
    });
  const event = (over: Record<string, unknown> = {}) => ({ ...testIngestEvent({ recipientAccountId: alice.accountId }), ...over });

  test("a lone surrogate in a key or a value", async () => {
    const ok = JSON.stringify(event());
    const res = await post(`{"events":[${ok},${JSON.stringify(event()).replace(/}$/, ',"requestParameters":{"k\\udc00":1}}')}]}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string; errors: { index: number; field: string }[] };
    expect(body.errors).toEqual([expect.objectContaining({ index: 1, field: 'requestParameters["k\ufffd"]' })]);
    expect(body.message).toContain("events[1]");
    const value = await post(JSON.stringify({ events: [event({ userAgent: "\ud800" })] }));
    expect(value.status).toBe(400);
    expect(((await value.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("userAgent");
  });

  test(`nesting deeper than ${MAX_EVENT_DEPTH} levels; a 100,000-level document is refused without a crash`, async () => {
    for (const levels of [MAX_EVENT_DEPTH + 1, 100_000]) {
      const res = await post(`{"events":[${JSON.stringify(event()).replace(/}$/, `,"requestParameters":${deepJson(levels - 1)}}`)}]}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { index: number; field: string; message: string }[] };
      expect(body.errors[0]).toMatchObject({ index: 0, message: `nesting is deeper than ${MAX_EVENT_DEPTH} levels.` });
      expect(body.errors[0]?.field).toStartWith("requestParameters.n");
    }
  });

  test("the harmless 6-character text \\u0000 is accepted and stored as sent", async () => {
    const id = crypto.randomUUID();
    const res = await post(JSON.stringify({ events: [event({ eventID: id, requestParameters: { text: "\\u0000" } })] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
    const [row] = await nativeQuery<{ rp: { text: string } }>(h.deps.database, "select request_parameters as rp from events where event_id = $1", [id]);
    expect(row?.rp.text).toBe("\\u0000");
  });
});

describe("bounded work", () => {
  test("the API pool bounds every statement; a caller-shaped query over it is a retryable 503", async () => {
    const pg = h.deps.database.pg;
    if (!pg) return; // PGlite cannot cancel a running query (documented).
    const o = pg.options as unknown as { host: string[]; port: number[]; database: string; user: string };
    // The same database as the API server opens it (openDeps with boundQueries): the bound is a startup parameter.
    const bounded = await openDatabase({ url: `postgres://${o.user}@${o.host[0]}:${o.port[0]}/${o.database}`, poolSize: 1, statementTimeoutMs: 200 });
    try {
      await expect(withStatementTimeout(200, () => nativeQuery(bounded, "select pg_sleep(2)"))).rejects.toMatchObject({
        code: "ServiceUnavailableException",
        retryAfterSeconds: 1,
      });
      // Short work passes; the worker's unbounded pool (here the test server's) may still run long.
      await nativeQuery(bounded, "select pg_sleep(0.01)");
      await nativeQuery(h.deps.database, "select pg_sleep(0.3)");
    } finally {
      await bounded.close();
    }
  });
});
