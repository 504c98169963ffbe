import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { setQuota, setSubscription } from "../db/iam.ts";
import { nativeQuery } from "../db/rows.ts";
import { users } from "../db/schema/iam.ts";
import { type ConsoleBrowser, consoleBrowser, createTestUser, operatorRequest, startTestServer, type TestServer, testAccountId } from "../test-kit/index.ts";

let h: TestServer;
const PASSWORD = "correct-horse-battery";

async function setPassword(alias: string, user: string) {
  await h.deps.database.db
    .update(users)
    .set({ passwordHash: await Bun.password.hash(PASSWORD) })
    .where(and(eq(users.accountId, testAccountId(alias)), eq(users.name, user)));
}

async function signedIn(alias: string, user: string): Promise<ConsoleBrowser> {
  const b = consoleBrowser(h);
  expect((await b.signIn(alias, user, PASSWORD)).status).toBe(200);
  return b;
}

const HOOK = "http://127.0.0.1:9/hook";
type Json = Record<string, unknown>;
const body = async (res: Response) => (await res.json()) as Json;

let admin: ConsoleBrowser;
let viewer: ConsoleBrowser;
let otherAdmin: ConsoleBrowser;

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  await createTestUser(h, "rules-acme", "admin");
  await createTestUser(h, "rules-acme", "viewer", { admin: false });
  await createTestUser(h, "rules-other", "admin");
  await setPassword("rules-acme", "admin");
  await setPassword("rules-acme", "viewer");
  await setPassword("rules-other", "admin");
  admin = await signedIn("rules-acme", "admin");
  viewer = await signedIn("rules-acme", "viewer");
  otherAdmin = await signedIn("rules-other", "admin");
});
afterAll(async () => {
  await h?.close();
});

async function create(b: ConsoleBrowser, rule: Json) {
  return b.fetch("/rules", { method: "POST", json: rule });
}

describe("rules: the happy path", () => {
  test("create shows the secret once; list, get, update, rotate, test, deliveries, delete", async () => {
    const res = await create(admin, { name: "prod-terminations", filter: { eventName: "TerminateInstances", project: "default" }, url: HOOK });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { rule: Json; secret: string };
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.rule).toMatchObject({
      name: "prod-terminations",
      filter: { eventName: "TerminateInstances", project: "default" },
      url: HOOK,
      enabled: true,
      disabledReason: null,
      secretHint: `whsec_…${created.secret.slice(-4)}`,
      lastDelivery: null,
      lastError: null,
      paused: false,
      pausedSince: null,
    });

    const list = await body(await admin.fetch("/rules"));
    // Other tests of this file add rules to the same account, in any order (shuffled runs).
    expect((list.rules as Json[]).map((r) => r.name)).toContain("prod-terminations");
    expect(list.quota).toEqual({ used: (list.rules as Json[]).length, limit: 10 });
    expect(JSON.stringify(list)).not.toContain(created.secret);

    const got = await body(await admin.fetch("/rules/prod-terminations"));
    expect((got.rule as Json).name).toBe("prod-terminations");

    const patched = await admin.fetch("/rules/prod-terminations", {
      method: "PATCH",
      json: { filter: { eventNames: ["StopLogging", "DeleteTrail"] }, enabled: false },
    });
    expect(patched.status).toBe(200);
    expect((await body(patched)).rule).toMatchObject({ filter: { eventNames: ["StopLogging", "DeleteTrail"] }, enabled: false });

    // Re-enabling clears the reason the worker gave when it disabled the rule.
    await nativeQuery(h.deps.database, `update rules set disabled_reason = 'Disabled after 24 hours' where name = 'prod-terminations'`);
    const enabled = await body(await admin.fetch("/rules/prod-terminations", { method: "PATCH", json: { enabled: true } }));
    expect(enabled.rule).toMatchObject({ enabled: true, disabledReason: null });

    const rotated = await admin.fetch("/rules/prod-terminations/secret", { method: "POST" });
    expect(rotated.status).toBe(200);
    const { secret } = (await rotated.json()) as { secret: string };
    expect(secret).not.toBe(created.secret);
    expect(((await body(await admin.fetch("/rules/prod-terminations"))).rule as Json).secretHint).toBe(`whsec_…${secret.slice(-4)}`);

    const tested = await admin.fetch("/rules/prod-terminations/test", { method: "POST" });
    expect(tested.status).toBe(202);
    const { delivery } = (await tested.json()) as { delivery: Json };
    expect(delivery).toMatchObject({ eventName: "ActivityLogRuleTest", test: true, status: "pending", attempts: 0, responseCode: null, error: null });
    await admin.fetch("/rules/prod-terminations/test", { method: "POST" });

    const page1 = await body(await admin.fetch("/rules/prod-terminations/deliveries?limit=1"));
    expect((page1.deliveries as Json[]).length).toBe(1);
    expect(typeof page1.nextToken).toBe("string");
    const page2 = await body(await admin.fetch(`/rules/prod-terminations/deliveries?limit=1&nextToken=${encodeURIComponent(page1.nextToken as string)}`));
    expect((page2.deliveries as Json[]).length).toBe(1);
    expect(page2.nextToken).toBeNull();
    expect(new Set([...(page1.deliveries as Json[]), ...(page2.deliveries as Json[])].map((d) => d.id)).size).toBe(2);
    const bad = await admin.fetch(`/rules/prod-terminations/deliveries?nextToken=${encodeURIComponent(`${page1.nextToken}x`)}`);
    expect([bad.status, (await body(bad)).error]).toEqual([400, "InvalidNextTokenException"]);

    expect((await admin.fetch("/rules/prod-terminations", { method: "DELETE" })).status).toBe(204);
    const gone = await admin.fetch("/rules/prod-terminations");
    expect([gone.status, (await body(gone)).error]).toEqual([404, "RuleNotFoundException"]);
  });

  test("templates: audit-trail tampering, failed console sign-ins, terminations in a chosen project", async () => {
    const { templates } = (await body(await admin.fetch("/rule-templates"))) as { templates: Json[] };
    expect(templates.map((t) => t.id)).toEqual(["audit-trail-tampering", "failed-console-sign-ins", "terminated-instances"]);
    expect(templates[0]!.filter).toEqual({ eventNames: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"] });
    expect(templates[1]!.filter).toEqual({ eventName: "ConsoleLogin", errorsOnly: true });
    expect(templates[2]!.needs).toEqual(["project"]);
  });
});

describe("rules: every bad input is a named 4xx", () => {
  test.each([
    [{ name: "ok-name", url: HOOK, filter: { eventId: "x" } }, 400, "InvalidEventFilterException"],
    [{ name: "ok-name", url: HOOK, filter: { eventNme: "x" } }, 400, "InvalidEventFilterException"],
    [{ name: "ok-name", url: HOOK, filter: { search: "ab" } }, 400, "InvalidEventFilterException"],
    [{ name: "ok-name", url: HOOK, filter: "all" }, 400, "InvalidEventFilterException"],
    [{ name: "a", url: HOOK }, 400, "InvalidRuleNameException"],
    [{ name: "bad name!", url: HOOK }, 400, "InvalidRuleNameException"],
    [{ name: "ok-name", url: "http://hooks.example.com/x" }, 400, "InvalidWebhookUrlException"],
    [{ name: "ok-name", url: "https://169.254.169.254/latest" }, 400, "InvalidWebhookUrlException"],
    [{ name: "ok-name", url: "https://10.0.0.1/" }, 400, "InvalidWebhookUrlException"],
    [{ name: "ok-name", url: "ftp://x.example.com/" }, 400, "InvalidWebhookUrlException"],
    [{ name: "ok-name", url: "nope" }, 400, "InvalidWebhookUrlException"],
    [{ name: "ok-name" }, 400, "ValidationException"],
    [{ name: "ok-name", url: HOOK, secret: "mine" }, 400, "ValidationException"],
    [{ name: "ok-name", url: HOOK, enabled: "yes" }, 400, "ValidationException"],
  ])("%j → %d %s", async (input, status, code) => {
    const res = await create(admin, input);
    const b = await body(res);
    expect([res.status, b.error]).toEqual([status, code]);
    expect(typeof b.message).toBe("string");
  });

  test("a taken name is 409 RuleAlreadyExistsException; an unknown one 404 on every route", async () => {
    expect((await create(admin, { name: "dupe", url: HOOK })).status).toBe(201);
    const again = await create(admin, { name: "dupe", url: HOOK });
    expect([again.status, (await body(again)).error]).toEqual([409, "RuleAlreadyExistsException"]);
    const misspelt = await admin.fetch("/rules/dupe", { method: "PATCH", json: { urll: HOOK } });
    expect([misspelt.status, (await body(misspelt)).error]).toEqual([400, "ValidationException"]);
    const badUrl = await admin.fetch("/rules/dupe", { method: "PATCH", json: { url: "https://127.0.0.1.nip.io.invalid#x" } });
    expect([badUrl.status, (await body(badUrl)).error]).toEqual([400, "InvalidWebhookUrlException"]);
    for (const [method, path] of [
      ["GET", "/rules/missing"],
      ["PATCH", "/rules/missing"],
      ["DELETE", "/rules/missing"],
      ["POST", "/rules/missing/secret"],
      ["POST", "/rules/missing/test"],
      ["GET", "/rules/missing/deliveries"],
    ] as const) {
      const res = await admin.fetch(path, { method, ...(method === "PATCH" ? { json: { enabled: true } } : {}) });
      expect([method, path, res.status, (await body(res)).error]).toEqual([method, path, 404, "RuleNotFoundException"]);
    }
    await admin.fetch("/rules/dupe", { method: "DELETE" });
  });

  test("quota: 10 by default, RulesLimitExceededException past it, raised by an operator", async () => {
    await createTestUser(h, "rules-quota", "admin");
    await setPassword("rules-quota", "admin");
    const b = await signedIn("rules-quota", "admin");
    await setQuota(h.deps.database.db, testAccountId("rules-quota"), "rules", 2);
    expect((await create(b, { name: "one", url: HOOK })).status).toBe(201);
    expect((await create(b, { name: "two", url: HOOK })).status).toBe(201);
    const third = await create(b, { name: "three", url: HOOK });
    expect([third.status, (await body(third)).error]).toEqual([400, "RulesLimitExceededException"]);
    const raised = await operatorRequest(h, "PUT", "/accounts/rules-quota/quotas/rules", { value: 3 });
    expect(raised.status).toBe(200);
    expect((await create(b, { name: "three", url: HOOK })).status).toBe(201);
    expect((await body(await b.fetch("/rules"))).quota).toEqual({ used: 3, limit: 3 });
    const tooMany = await operatorRequest(h, "PUT", "/accounts/rules-quota/quotas/rules", { value: 100000 });
    expect(tooMany.status).toBe(400);
  });
});

describe("rules: who may do what", () => {
  const routes = [
    ["GET", "/rules"],
    ["POST", "/rules"],
    ["GET", "/rules/shared-name"],
    ["PATCH", "/rules/shared-name"],
    ["DELETE", "/rules/shared-name"],
    ["POST", "/rules/shared-name/secret"],
    ["POST", "/rules/shared-name/test"],
    ["GET", "/rules/shared-name/deliveries"],
    ["GET", "/rule-templates"],
  ] as const;
  const init = (method: string) =>
    method === "POST" ? { method, json: { name: "x-rule", url: HOOK } } : method === "PATCH" ? { method, json: { enabled: false } } : { method };

  /** rules-acme's rule "shared-name", made by whichever test of this group runs first. */
  const ensureSharedRule = async () => expect([201, 409]).toContain((await create(admin, { name: "shared-name", url: HOOK })).status);

  test("outside ActivityLogAdministrators every route is 403 AccessDeniedException; without a session 401", async () => {
    await ensureSharedRule();
    for (const [method, path] of routes) {
      const res = await viewer.fetch(path, init(method));
      expect([method, path, res.status, (await body(res)).error]).toEqual([method, path, 403, "AccessDeniedException"]);
      const anonymous = await consoleBrowser(h).fetch(path, init(method));
      expect([method, path, anonymous.status]).toEqual([method, path, 401]);
    }
    expect(((await body(await admin.fetch("/rules/shared-name"))).rule as Json).enabled).toBe(true);
  });

  test("another account's rule answers like a missing one, and never shows in its list", async () => {
    await ensureSharedRule();
    for (const [method, path] of routes.filter(([, p]) => p.includes("shared-name"))) {
      const res = await otherAdmin.fetch(path, init(method));
      expect([method, path, res.status, (await body(res)).error]).toEqual([method, path, 404, "RuleNotFoundException"]);
    }
    const list = await body(await otherAdmin.fetch("/rules"));
    expect(list.rules).toEqual([]);
    // The same name in another account is its own rule.
    expect((await create(otherAdmin, { name: "shared-name", url: HOOK })).status).toBe(201);
    expect(((await body(await admin.fetch("/rules/shared-name"))).rule as Json).enabled).toBe(true);
  });

  test("an inactive subscription refuses the Rules view like every other", async () => {
    await createTestUser(h, "rules-lapsed", "admin");
    await setPassword("rules-lapsed", "admin");
    const b = await signedIn("rules-lapsed", "admin");
    await setSubscription(h.deps.database.db, testAccountId("rules-lapsed"), false);
    const res = await b.fetch("/rules");
    expect([res.status, (await body(res)).error]).toEqual([403, "SubscriptionRequiredException"]);
  });
});

describe("rules: every call is recorded, never the secret", () => {
  test("CreateRule, UpdateRule, RotateRuleSecret, TestRule, DeleteRule and reads are events of the account", async () => {
    const created = (await (await create(admin, { name: "audited", url: "http://127.0.0.1:9/hook?token=s3cr3t-in-url" })).json()) as { secret: string };
    await admin.fetch("/rules/audited", { method: "PATCH", json: { enabled: false } });
    const { secret } = (await (await admin.fetch("/rules/audited/secret", { method: "POST" })).json()) as { secret: string };
    await admin.fetch("/rules/audited/test", { method: "POST" });
    await admin.fetch("/rules/audited/deliveries");
    await admin.fetch("/rules/audited");
    await admin.fetch("/rules");
    await admin.fetch("/rule-templates");
    await admin.fetch("/rules/audited", { method: "DELETE" });
    await viewer.fetch("/rules/audited", { method: "DELETE" });
    const rows = await nativeQuery<{ event_name: string; user_name: string; error_code: string | null; read_only: boolean; search_text: string }>(
      h.deps.database,
      `select event_name, user_name, error_code, read_only, search_text from events
       where account_id = $1 and event_source = 'activitylog.console' and event_name like '%Rule%' order by event_time, event_name`,
      [testAccountId("rules-acme")],
    );
    const names = rows.map((r) => `${r.event_name}:${r.user_name}:${r.error_code ?? "ok"}`);
    for (const expected of [
      "CreateRule:admin:ok",
      "UpdateRule:admin:ok",
      "RotateRuleSecret:admin:ok",
      "TestRule:admin:ok",
      "ListRuleDeliveries:admin:ok",
      "GetRule:admin:ok",
      "ListRules:admin:ok",
      "ListRuleTemplates:admin:ok",
      "DeleteRule:admin:ok",
      "DeleteRule:viewer:AccessDeniedException",
    ])
      expect(names).toContain(expected);
    expect(rows.find((r) => r.event_name === "ListRules")!.read_only).toBe(true);
    expect(rows.find((r) => r.event_name === "CreateRule")!.read_only).toBe(false);
    for (const r of rows) {
      expect(r.search_text).not.toContain(created.secret);
      expect(r.search_text).not.toContain(secret);
      expect(r.search_text).not.toContain("s3cr3t-in-url");
    }
  });
});

describe("operator: an account's rules", () => {
  test("rules list shows them without the secret; unknown accounts are 404", async () => {
    await create(admin, { name: "ops-visible", url: HOOK, filter: { errorsOnly: true } });
    const res = await operatorRequest(h, "GET", "/accounts/rules-acme/rules");
    expect(res.status).toBe(200);
    const b = (await res.json()) as { accountId: string; quota: Json; rules: Json[] };
    expect(b.accountId).toBe(testAccountId("rules-acme"));
    const rule = b.rules.find((r) => r.name === "ops-visible")!;
    expect(rule).toMatchObject({ url: HOOK, filter: { errorsOnly: true }, enabled: true });
    expect(Object.keys(rule)).not.toContain("secretSealed");
    expect((await operatorRequest(h, "GET", "/accounts/nobody-here/rules")).status).toBe(404);
  });
});
