import { DomainError, HIDDEN } from "@activity-log/core";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixedClock } from "./clock.ts";
import type { Database } from "./db/client.ts";
import { nativeQuery } from "./db/rows.ts";
import { findEventPage } from "./db/events.ts";
import { recordEvent } from "./record.ts";
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
});
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

  test("a failure to record never fails the response", async () => {
    const broken = testApp({ ...deps, database: { ...deps.database, pg: undefined, pglite: undefined } as Database }, (app) =>
      app.post("/x", (c) => {
        Object.assign(c.get("call"), { eventName: "CreateTrail", accountId: "rec", userName: "a" });
        return c.json({ ok: true });
      }),
    );
    const res = await broken.request("/x", { method: "POST" });
    expect(res.status).toBe(200);
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
