import { DomainError, HIDDEN } from "@activity-log/core";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixedClock } from "./clock.ts";
import type { Database } from "./db/client.ts";
import { nativeQuery } from "./db/rows.ts";
import { findEventPage } from "./db/events.ts";
import type { Context } from "hono";
import type { AppEnv } from "./http-context.ts";
import { NOT_RECORDED_MESSAGE, recordEvent } from "./record.ts";
import { createTestDeps, type TestApp, testApp, type TestDeps } from "./test-kit/index.ts";

let deps: TestDeps;
let app: TestApp;
const NOW = new Date("2026-11-24T12:00:00Z");

// The routes below describe their calls; serviceBase's recordCalls() records them.
beforeAll(async () => {
  deps = await createTestDeps({ clock: fixedClock(NOW) });
  app = testApp(deps);
  app.post("/create-user", (c) => {
    Object.assign(c.get("call"), {
      eventName: "CreateUser",
      eventSource: "activitylog.internal",
      accountId: "rec",
      project: "default",
      userName: "root",
      requestParameters: { userName: "bob", password: "hunter2", nested: [{ SecretAccessKey: "s3cr3t", keep: 1 }] },
      responseElements: { user: "bob", credentials: { sessionToken: "tok" } },
    });
    return c.json({ ok: true });
  });
  app.post("/lookup", (c) => {
    Object.assign(c.get("call"), { eventName: "LookupEvents", accountId: "rec", userName: "alice", accessKeyId: "AKIA1" });
    return c.json({ Events: [] });
  });
  app.post("/denied", (c) => {
    Object.assign(c.get("call"), { eventName: "DeleteTrail", accountId: "rec", userName: "eve" });
    throw new DomainError("AccessDeniedException", "You are not in ActivityLogAdministrators.");
  });
  app.post("/not-recorded", (c) => {
    Object.assign(c.get("call"), { eventName: "Ping", accountId: "rec", userName: "x", record: false });
    return c.text("ok");
  });
  app.post("/anonymous", (c) => {
    c.get("call").eventName = "LookupEvents";
    return c.text("no", 403);
  });
}, 120_000);
afterAll(() => deps.cleanup());

const recorded = async (eventName: string) =>
  (
    await findEventPage(deps.database, {
      accountId: "rec",
      filter: { eventName },
      window: { start: new Date(NOW.getTime() - 60_000), end: NOW },
      limit: 10,
    })
  ).map((r) => r.event);

describe("recordCalls", () => {
  test("records a call with redacted parameters and response, request id, user agent and source IP", async () => {
    const res = await app.request("/create-user", { method: "POST", headers: { "user-agent": "aws-cli/2" } }, { remoteAddress: "203.0.113.9" });
    expect(res.status).toBe(200);
    const [e] = await recorded("CreateUser");
    expect(e).toBeDefined();
    expect(e!.requestParameters).toEqual({ userName: "bob", password: HIDDEN, nested: [{ SecretAccessKey: HIDDEN, keep: 1 }] });
    expect(e!.responseElements).toEqual({ user: "bob", credentials: HIDDEN });
    expect(e!.searchText).not.toContain("hunter2");
    expect(e!.sourceIp).toBe("203.0.113.9");
    expect(e!.userAgent).toBe("aws-cli/2");
    expect(e!.readOnly).toBe(false);
    expect(e!.eventSource).toBe("activitylog.internal");
    expect(e!.requestId).toBeString();
    expect(e!.errorCode).toBeNull();
  });

  test("read-only by the core rule; access key kept", async () => {
    await app.request("/lookup", { method: "POST" });
    const [e] = await recorded("LookupEvents");
    expect(e!.readOnly).toBe(true);
    expect(e!.accessKeyId).toBe("AKIA1");
    expect(e!.responseElements).toBeNull();
  });

  test("failed calls carry the error code and message", async () => {
    const res = await app.request("/denied", { method: "POST" });
    expect(res.status).toBe(403);
    const [e] = await recorded("DeleteTrail");
    expect(e!.errorCode).toBe("AccessDeniedException");
    expect(e!.errorMessage).toBe("You are not in ActivityLogAdministrators.");
  });

  test("record: false and calls without an account are not recorded", async () => {
    await app.request("/not-recorded", { method: "POST" });
    await app.request("/anonymous", { method: "POST" });
    expect(await recorded("Ping")).toEqual([]);
    const rows = await nativeQuery<{ n: string }>(deps.database, `select count(*) as n from events where account_id <> 'rec'`);
    expect(Number(rows[0]!.n)).toBe(0);
  });
});

describe("fail closed: a call is carried out only with its event", () => {
  // The route writes a probe row through the app's database, then (maybe) fails; the event of user
  // "broken" is refused by the database itself (a trigger), the injected recording failure.
  let probeApp: TestApp;
  const probes = async (v: string) => (await nativeQuery(deps.database, "select v from record_probe where v = $1", [v])).length;
  const events = async (v: string) => (await nativeQuery(deps.database, "select 1 from events where request_parameters->>'v' = $1", [v])).length;
  beforeAll(async () => {
    await nativeQuery(deps.database, "create table record_probe (v text)");
    await nativeQuery(
      deps.database,
      `create or replace function record_test_refuse() returns trigger language plpgsql as $$
       begin raise exception 'injected: this event cannot be stored'; end $$`,
    );
    await nativeQuery(
      deps.database,
      "create trigger record_test_refuse before insert on events for each row when (new.user_name = 'broken') execute function record_test_refuse()",
    );
    probeApp = testApp(deps, (a) => {
      const describe = (c: Context<AppEnv>, user: string, v: string) =>
        Object.assign(c.get("call"), { eventName: "PutProbe", accountId: "rec", userName: user, requestParameters: { v } });
      a.post("/probe/:user/:v", async (c) => {
        describe(c, c.req.param("user"), c.req.param("v"));
        await nativeQuery(c.get("deps").database, "insert into record_probe values ($1)", [c.req.param("v")]);
        if (c.req.query("fail")) throw new DomainError("ValidationException", "refused after a partial write");
        c.header("set-cookie", "session=issued");
        return c.json({ ok: true });
      });
      a.get("/probe/:user/:v", (c) => {
        describe(c, c.req.param("user"), c.req.param("v"));
        return c.json({ secret: "data" });
      });
    });
  });

  test("recorded: the change and its event commit together", async () => {
    const res = await probeApp.request("/probe/alice/ok-1", { method: "POST" });
    expect(res.status).toBe(200);
    expect([await probes("ok-1"), await events("ok-1")]).toEqual([1, 1]);
  });

  test("the event cannot be stored: 503 with Retry-After, the change rolled back, no cookie", async () => {
    const res = await probeApp.request("/probe/broken/lost-1", { method: "POST" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.json()).toMatchObject({ error: "ServiceUnavailableException", message: NOT_RECORDED_MESSAGE });
    expect([await probes("lost-1"), await events("lost-1")]).toEqual([0, 0]);
  });

  test("a refused call's partial work is rolled back and the refusal recorded", async () => {
    const res = await probeApp.request("/probe/alice/partial-1?fail=1", { method: "POST" });
    expect(res.status).toBe(400);
    expect([await probes("partial-1"), await events("partial-1")]).toEqual([0, 1]);
  });

  test("a read whose event cannot be stored answers 503, not its data", async () => {
    const res = await probeApp.request("/probe/broken/read-1");
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain("data");
    expect((await probeApp.request("/probe/alice/read-2")).status).toBe(200);
  });

  test("a database without a native driver cannot record: the call fails closed", async () => {
    const noDriver = { ...deps.database, pg: undefined, pglite: undefined } as Database;
    const broken = testApp({ ...deps, database: noDriver }, (a) =>
      a.post("/x", (c) => {
        Object.assign(c.get("call"), { eventName: "CreateTrail", accountId: "rec", userName: "a" });
        return c.json({ ok: true });
      }),
    );
    const res = await broken.request("/x", { method: "POST" });
    expect(res.status).toBe(503);
  });
});

describe("recordEvent", () => {
  test("stores events outside requests, e.g. an automatic sign-out", async () => {
    const e = await recordEvent(deps, {
      accountId: "rec",
      eventName: "ConsoleLogout",
      eventType: "AwsConsoleAutoSignOut",
      project: "default",
      userName: "alice",
      eventSource: "signin.amazonaws.com",
    });
    const [stored] = await recorded("ConsoleLogout");
    expect(stored).toEqual(e);
    expect(stored!.eventType).toBe("AwsConsoleAutoSignOut");
    expect(stored!.readOnly).toBe(false);
  });
});
