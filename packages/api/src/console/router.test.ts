import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { IngestEventInput } from "@activity-log/core";
import { eq } from "drizzle-orm";
import { eventFacets } from "../db/event-facets.ts";
import { insertEvents } from "../db/events.ts";
import { setQuota, setSubscription } from "../db/iam.ts";
import { reportObjectKey } from "../db/reports.ts";
import { reports } from "../db/schema/reports.ts";
import { createTestUser, startTestServer, type TestServer, testAccountId, testIngestedEvent } from "../test-kit/index.ts";
import { consoleRouter } from "./router.ts";

let h: TestServer;
const PASSWORD = "correct-horse-battery";

/** A tiny cookie-keeping client of the console API. */
function browser() {
  let cookie = "";
  let csrf = "";
  return {
    async fetch(path: string, init: RequestInit & { json?: unknown } = {}) {
      const headers = new Headers(init.headers);
      if (cookie) headers.set("cookie", cookie);
      if (csrf && !headers.has("x-csrf-token")) headers.set("x-csrf-token", csrf);
      if (init.json !== undefined) headers.set("content-type", "application/json");
      const res = await fetch(`${h.url}/api/v1${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
      const set = res.headers.get("set-cookie");
      if (set) cookie = set.split(";")[0]!;
      return res;
    },
    async signIn(account: string, user: string, password = PASSWORD) {
      const res = await this.fetch("/session", { method: "POST", json: { account, user, password } });
      if (res.ok) csrf = ((await res.clone().json()) as { csrfToken: string }).csrfToken;
      return res;
    },
    setCsrf(token: string) {
      csrf = token;
    },
  };
}

async function setPassword(alias: string, user: string) {
  const { users } = await import("../db/schema/iam.ts");
  const { and } = await import("drizzle-orm");
  await h.deps.database.db
    .update(users)
    .set({ passwordHash: await Bun.password.hash(PASSWORD) })
    .where(and(eq(users.accountId, testAccountId(alias)), eq(users.name, user)));
}

const now = Date.now();
const ev = (i: number, over: Partial<IngestEventInput>) =>
  testIngestedEvent({ eventID: `ev-${i}`, eventTime: new Date(now - i * 60_000).toISOString(), eventName: "DescribeInstances", ...over });

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  await createTestUser(h, "acme", "admin");
  await createTestUser(h, "acme", "viewer", { admin: false });
  await createTestUser(h, "other", "admin");
  await setPassword("acme", "admin");
  await setPassword("acme", "viewer");
  await setPassword("other", "admin");
  await h.createBucket("audit-bucket", { account: "acme" });
  await insertEvents(h.deps.database, [
    ev(1, {
      eventName: "StopInstances",
      userName: "bob",
      requestParameters: { instanceId: "i-0aaa" },
      resources: [{ type: "AWS::EC2::Instance", name: "i-0aaa" }],
    }),
    ev(2, { eventName: "TerminateInstances", userName: "carol", resources: [{ type: "AWS::EC2::Instance", name: "i-0bbb" }] }),
    ev(3, { eventName: "DescribeInstances" }),
    ev(4, { eventName: "StopInstances", userName: "dave", errorCode: "UnauthorizedOperation", errorMessage: "no" }),
    ev(5, { eventName: "StopInstances", recipientAccountId: testAccountId("other"), userName: "mallory" }),
  ]);
});
afterAll(async () => {
  await h?.close();
});

describe("sign-in", () => {
  test("a wrong password is refused, recorded, and throttled after 5 attempts", async () => {
    // A user of its own: the throttling it causes must not lock out another test's user.
    await createTestUser(h, "acme", "guesser", { admin: false });
    await setPassword("acme", "guesser");
    const b = browser();
    for (let i = 0; i < 5; i++) expect((await b.signIn("acme", "guesser", "wrong")).status).toBe(401);
    const throttled = await b.signIn("acme", "guesser", PASSWORD);
    expect(throttled.status).toBe(429);
    expect(((await throttled.json()) as { error: string }).error).toBe("ThrottlingException");
  });

  test("the system user cannot sign in", async () => {
    const res = await browser().signIn("acme", "system", "anything");
    expect(res.status).toBe(401);
  });

  test("a session cookie is HttpOnly and SameSite=Strict, and /me describes the user", async () => {
    const b = browser();
    const res = await b.signIn("acme", "admin");
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).not.toContain("Secure");
    const me = (await (await b.fetch("/me")).json()) as { user: { name: string }; access: { admin: boolean }; quotas: { trails: number } };
    expect(me.user.name).toBe("admin");
    expect(me.access.admin).toBe(true);
    expect(me.quotas.trails).toBe(2);
  });

  test("without a session every route answers 401", async () => {
    expect((await browser().fetch("/events")).status).toBe(401);
    expect((await browser().fetch("/me")).status).toBe(401);
  });

  test("a state-changing request without the CSRF token is refused", async () => {
    const b = browser();
    await b.signIn("acme", "admin");
    b.setCsrf("");
    const res = await b.fetch("/reports", { method: "POST", json: { format: "csv" }, headers: { "x-csrf-token": "forged" } });
    expect(res.status).toBe(403);
  });

  test("sign-out ends the session; sign-in and sign-out are recorded", async () => {
    const b = browser();
    await b.signIn("acme", "admin");
    expect((await b.fetch("/session", { method: "DELETE" })).status).toBe(200);
    expect((await b.fetch("/me")).status).toBe(401);
    const a = browser();
    await a.signIn("acme", "admin");
    const page = (await (await a.fetch("/events?eventSource=signin.amazonaws.com")).json()) as { events: { eventName: string; eventType: string }[] };
    const names = page.events.map((e) => `${e.eventType}/${e.eventName}`);
    expect(names).toContain("AwsConsoleSignIn/ConsoleLogin");
    expect(names).toContain("AwsConsoleSignOut/ConsoleLogout");
  });
});

describe("events", () => {
  let b: ReturnType<typeof browser>;
  beforeAll(async () => {
    b = browser();
    await b.signIn("acme", "admin");
  });

  test("read-only calls are hidden by default and shown with readOnly=all", async () => {
    const def = (await (await b.fetch("/events?eventSource=ec2.amazonaws.com")).json()) as { events: { eventID: string }[] };
    expect(def.events.map((e) => e.eventID)).toEqual(["ev-1", "ev-2", "ev-4"]);
    const all = (await (await b.fetch("/events?eventSource=ec2.amazonaws.com&readOnly=all")).json()) as { events: { eventID: string }[] };
    expect(all.events.map((e) => e.eventID)).toEqual(["ev-1", "ev-2", "ev-3", "ev-4"]);
  });

  test("filters: action, resource, errors only, case-sensitive search; never another account", async () => {
    const get = async (q: string) => ((await (await b.fetch(`/events?${q}`)).json()) as { events: { eventID: string; userName: string }[] }).events;
    expect((await get("eventName=StopInstances")).map((e) => e.userName)).toEqual(["bob", "dave"]);
    expect((await get("resourceName=i-0bbb")).map((e) => e.userName)).toEqual(["carol"]);
    expect((await get("errorsOnly=true&eventSource=ec2.amazonaws.com")).map((e) => e.eventID)).toEqual(["ev-4"]);
    expect((await get("search=TerminateInst")).map((e) => e.eventID)).toEqual(["ev-2"]);
    expect(await get("search=terminateinst")).toEqual([]);
    expect((await get("userName=mallory")).length).toBe(0);
  });

  test("pages with nextToken; bad inputs get clear 400s", async () => {
    const first = (await (await b.fetch("/events?eventSource=ec2.amazonaws.com&limit=2")).json()) as { events: unknown[]; nextToken: string };
    expect(first.events.length).toBe(2);
    const second = (await (await b.fetch(`/events?eventSource=ec2.amazonaws.com&limit=2&nextToken=${encodeURIComponent(first.nextToken)}`)).json()) as {
      events: { eventID: string }[];
    };
    expect(second.events.map((e) => e.eventID)).toEqual(["ev-4"]);
    const bad = await b.fetch(`/events?eventSource=x&limit=2&nextToken=${encodeURIComponent(first.nextToken)}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("InvalidNextTokenException");
    expect((await b.fetch("/events?limit=0")).status).toBe(400);
    expect((await b.fetch("/events?readOnly=maybe")).status).toBe(400);
    expect((await b.fetch("/events?search=ab")).status).toBe(400);
    const range = await b.fetch(`/events?start=${new Date(now).toISOString()}&end=${new Date(now - 3_600_000).toISOString()}`);
    expect(((await range.json()) as { error: string }).error).toBe("InvalidTimeRangeException");
  });

  test("details carry every field and the raw record; another account's event is not found", async () => {
    const d = (await (await b.fetch("/events/ev-1")).json()) as { eventName: string; requestParameters: unknown; record: { eventID: string } };
    expect(d.eventName).toBe("StopInstances");
    expect(d.requestParameters).toEqual({ instanceId: "i-0aaa" });
    expect(d.record.eventID).toBe("ev-1");
    expect((await b.fetch("/events/ev-5")).status).toBe(404);
  });

  test("histogram counts reads and writes", async () => {
    const hgram = (await (await b.fetch("/histogram?eventSource=ec2.amazonaws.com&readOnly=all")).json()) as {
      buckets: { readOnly: number; write: number }[];
    };
    const total = hgram.buckets.reduce((s, x) => s + x.readOnly + x.write, 0);
    expect(total).toBe(4);
  });

  type FacetsAnswer = { counted: number; sampled: boolean; since: string | null; facets: Record<string, { value: string; count: number }[]> };
  test("facets: top values with counts over the filters, never another account's", async () => {
    const f = (await (await b.fetch("/facets?eventSource=ec2.amazonaws.com&readOnly=all")).json()) as FacetsAnswer;
    expect(f).toMatchObject({ counted: 4, sampled: false, since: expect.any(String) });
    expect(f.facets.eventName).toEqual([
      { value: "StopInstances", count: 2 },
      { value: "DescribeInstances", count: 1 },
      { value: "TerminateInstances", count: 1 },
    ]);
    expect(f.facets.userName!.map((x) => x.value)).not.toContain("mallory");
    expect(f.facets.resource).toEqual([
      { value: "i-0aaa", count: 1 },
      { value: "i-0bbb", count: 1 },
    ]);
    // "Who stopped instances": the users of one action.
    const stops = (await (await b.fetch("/facets?eventName=StopInstances&accessKeyId=")).json()) as FacetsAnswer;
    expect(stops.facets.userName).toEqual([
      { value: "bob", count: 1 },
      { value: "dave", count: 1 },
    ]);
    expect((await b.fetch("/facets?readOnly=maybe")).status).toBe(400);
  });

  test("facets count the newest matching events, at most N, and say from when", async () => {
    const accountId = ((await (await b.fetch("/me")).json()) as { accountId: string }).accountId;
    const window = { start: new Date(now - 3_600_000), end: new Date(now) };
    const filter = { eventSource: "ec2.amazonaws.com" };
    const at = (ms: number) => new Date(ms).toISOString();
    const facets = (opts: { sampleSize: number; budgetMs?: number; stepMs?: number }, search?: string) =>
      eventFacets(h.deps.database, { accountId, filter: { ...filter, search }, window }, { top: 5, budgetMs: 60_000, ...opts });
    // ev-1 (bob, StopInstances) and ev-2 (carol, TerminateInstances) are the two newest.
    const newest2 = await facets({ sampleSize: 2 });
    expect(newest2).toMatchObject({ counted: 2, sampled: true, since: at(now - 2 * 60_000) });
    expect(newest2.facets.userName.map((x) => x.value)).toEqual(["bob", "carol"]);
    const all = await facets({ sampleSize: 100 });
    expect(all).toMatchObject({ counted: 4, sampled: false, since: at(window.start.getTime()) });
    expect(all.facets.eventName[0]).toEqual({ value: "StopInstances", count: 2 });
    // Walked in one-minute slices, most of them empty: still every match of the period…
    expect(await facets({ sampleSize: 100, stepMs: 60_000 })).toMatchObject({ counted: 4, sampled: false });
    // …unless the empty slices fill the sample (a row each): then it says how far it got.
    expect(await facets({ sampleSize: 30, stepMs: 60_000 })).toMatchObject({ counted: 4, sampled: true, since: at(now - 30 * 60_000) });
    // No time left after the first slice (the newest 2.5 minutes): the counts cover just that slice.
    const first = await facets({ sampleSize: 100, stepMs: 150_000, budgetMs: 0 });
    expect(first).toMatchObject({ counted: 2, sampled: true, since: at(now - 150_000) });
    expect(first.facets.userName.map((x) => x.value)).toEqual(["bob", "carol"]);
    expect(await facets({ sampleSize: 100 }, "Instances")).toMatchObject({ counted: 4, sampled: false });
    expect(await facets({ sampleSize: 100 }, "TerminateInst")).toMatchObject({ counted: 1, sampled: false });
    // A search the walk found little of before it stopped: the newest matches are asked for through
    // the index instead, and cover the period.
    const walked = await facets({ sampleSize: 100, stepMs: 10_000 }, "Instances");
    expect(walked).toMatchObject({ counted: 4, sampled: false, since: at(window.start.getTime()) });
  });
});

describe("access", () => {
  test("a non-admin learns from /me only who they are and that they have no access, and sees no events", async () => {
    const b = browser();
    expect((await b.signIn("acme", "viewer")).status).toBe(200);
    const me = (await (await b.fetch("/me")).json()) as Record<string, unknown>;
    expect(Object.keys(me).sort()).toEqual(["access", "account", "accountId", "csrfToken", "now", "user"]);
    expect(me).toMatchObject({ user: { name: "viewer" }, account: "acme", accountId: testAccountId("acme"), access: { admin: false } });
    expect(JSON.stringify(me)).not.toMatch(/quota|projects|subscription|default/);
    const res = await b.fetch("/events");
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("AccessDeniedException");
  });

  test("an inactive subscription answers SubscriptionRequiredException", async () => {
    const b = browser();
    await b.signIn("other", "admin");
    await setSubscription(h.deps.database.db, testAccountId("other"), false);
    const res = await b.fetch("/events");
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("SubscriptionRequiredException");
    await setSubscription(h.deps.database.db, testAccountId("other"), true);
  });
});

describe("trails", () => {
  test("create starts logging; name errors and limits are clear; stop, start, delete", async () => {
    const b = browser();
    await b.signIn("acme", "admin");
    const bad = await b.fetch("/trails", { method: "POST", json: { name: "a_-b", bucket: "audit-bucket" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("InvalidTrailNameException");
    const missing = await b.fetch("/trails", { method: "POST", json: { name: "audit", bucket: "no-such-bucket" } });
    expect(((await missing.json()) as { error: string }).error).toBe("S3BucketDoesNotExistException");
    const created = await b.fetch("/trails", { method: "POST", json: { name: "audit", bucket: "audit-bucket", prefix: "logs" } });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { isLogging: boolean }).isLogging).toBe(true);
    const list = (await (await b.fetch("/trails")).json()) as { count: number; limit: number; trails: { name: string }[] };
    expect([list.count, list.limit]).toEqual([1, 2]);
    const stopped = (await (await b.fetch("/trails/audit/stop", { method: "POST" })).json()) as { isLogging: boolean };
    expect(stopped.isLogging).toBe(false);
    const edited = (await (await b.fetch("/trails/audit", { method: "PATCH", json: { prefix: "archive" } })).json()) as { prefix: string };
    expect(edited.prefix).toBe("archive");
    expect((await b.fetch("/trails/audit", { method: "DELETE" })).status).toBe(200);
    expect((await b.fetch("/trails/audit", { method: "DELETE" })).status).toBe(400);
  });
});

describe("reports", () => {
  test("queue, limit, download when ready, delete", async () => {
    const b = browser();
    await b.signIn("acme", "admin");
    const first = await b.fetch("/reports", { method: "POST", json: { format: "csv", filter: { eventName: "StopInstances" } } });
    expect(first.status).toBe(201);
    const report = (await first.json()) as { id: string; status: string; filter: { eventName: string; readOnly: boolean } };
    expect(report.status).toBe("queued");
    expect(report.filter).toEqual({ eventName: "StopInstances", readOnly: false });
    expect((await b.fetch(`/reports/${report.id}/download`)).status).toBe(409);
    expect((await b.fetch("/reports", { method: "POST", json: { format: "json" } })).status).toBe(201);
    const third = await b.fetch("/reports", { method: "POST", json: { format: "json" } });
    expect(third.status).toBe(409);
    expect(((await third.json()) as { message: string }).message).toContain("limit is 2");
    const listed = (await (await b.fetch("/reports")).json()) as { blocker: string | null; reports: unknown[] };
    expect(listed.reports.length).toBe(2);
    expect(listed.blocker).toContain("already being generated (the limit is 2)");

    // As the worker would: a gzip file in the reports bucket and the row marked ready.
    const key = reportObjectKey(testAccountId("acme"), report.id, "csv");
    const csv = "eventTime,eventName\r\n2026-11-24T10:00:00Z,StopInstances\r\n";
    await h.deps.storage
      .service()
      .createBucket(h.deps.config.reportsBucket)
      .catch(() => {});
    await h.deps.storage.service().put(h.deps.config.reportsBucket, key, Bun.gzipSync(new TextEncoder().encode(csv)));
    await h.deps.database.db
      .update(reports)
      .set({ status: "ready", objectKey: key, bytes: 60, contentBytes: csv.length, rowsDone: 1 })
      .where(eq(reports.id, report.id));
    // The list says what a download gives (the CSV's size) and the compressed size apart.
    type Listed = { reports: { id: string; bytes: number; compressedBytes: number }[]; replaces: string[]; blocker: string | null };
    const sized = (await (await b.fetch("/reports")).json()) as Listed;
    expect(sized.reports.find((r) => r.id === report.id)).toMatchObject({ bytes: csv.length, compressedBytes: 60 });
    expect(sized.replaces).toEqual([]);
    // With every slot taken, the list names the finished report a new one would replace.
    const [stored] = await h.deps.database.db.select({ accountId: reports.accountId }).from(reports).where(eq(reports.id, report.id));
    await setQuota(h.deps.database.db, stored!.accountId, "reportsStored", 2);
    try {
      const full = (await (await b.fetch("/reports")).json()) as Listed;
      expect(full).toMatchObject({ replaces: [report.id], blocker: null });
    } finally {
      await setQuota(h.deps.database.db, stored!.accountId, "reportsStored", 5);
    }
    const plain = await b.fetch(`/reports/${report.id}/download`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-disposition")).toContain(".csv");
    expect(await plain.text()).toBe(csv);
    const zipped = await b.fetch(`/reports/${report.id}/download?zip=1`);
    expect(zipped.headers.get("content-type")).toBe("application/zip");
    const JSZip = (await import("jszip")).default;
    const zip = await JSZip.loadAsync(await zipped.arrayBuffer());
    const [name] = Object.keys(zip.files);
    expect(await zip.file(name!)!.async("string")).toBe(csv);
    expect((await b.fetch(`/reports/${report.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await b.fetch(`/reports/${report.id}/download`)).status).toBe(404);
  });
});

test("the OpenAPI document describes every console route", async () => {
  const doc = (await (await browser().fetch("/openapi.json")).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(doc.openapi).toBe("3.1.0");
  const described = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
  const routes = consoleRouter()
    .routes.filter((r) => r.method !== "ALL")
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
  for (const r of new Set(routes)) expect(described.has(r)).toBe(true);
});
