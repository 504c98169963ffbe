import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createAccount, findAccessKey, findUserForSignIn, getQuotas, isSubscriptionActive } from "../db/iam.ts";
import type { CallRecord } from "../http-context.ts";
import { createTestDeps, ensureAccount, TEST_OPERATOR_TOKEN as TOKEN, type TestApp, testAccountId, testApp, type TestDeps } from "../test-kit/index.ts";
import { operatorRouter } from "./router.ts";

let deps: TestDeps;
/** The operator router on the service's base; `lastCall` is the call record of the last request, as recorded. */
let app: TestApp;
let lastCall: CallRecord;

function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return app.request(`/internal/v1/operator${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  deps = await createTestDeps();
  app = testApp(deps, (app) => app.route("/internal/v1/operator", operatorRouter()), {
    onCall: (c) => {
      lastCall = c;
    },
  });
});
afterAll(() => deps.cleanup());

/** Account acme with project production and user alice, as the error tests expect them (created if missing; no test changes them). */
const acmeWithAlice = () => ensureAccount(deps, "acme", { projects: ["production"], users: ["alice"] });

describe("security", () => {
  test("a missing, malformed or wrong token is 401 UnauthorizedException and changes nothing", async () => {
    for (const token of [null, "", "wrong-token", `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await call("POST", "/accounts", { account: "intruder" }, token);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("UnauthorizedException");
    }
    const basic = await app.request("/internal/v1/operator/accounts", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`x:${TOKEN}`)}` },
      body: "{}",
    });
    expect(basic.status).toBe(401);
    // The token is checked before anything else: even reads of unknown accounts say 401, not 404.
    expect((await call("GET", "/accounts/acme", undefined, "wrong-token")).status).toBe(401);
    const create = await call("POST", "/accounts", { account: "intruder" });
    expect(create.status).toBe(201);
  });
});

describe("happy paths", () => {
  test("account create returns the contract's JSON and is recorded in the new account", async () => {
    const res = await call("POST", "/accounts", { account: "initech" });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toEqual({ accountId: expect.stringMatching(/^\d{12}$/), alias: "initech", project: "default", systemUser: "system" });
    expect(lastCall).toMatchObject({
      eventName: "CreateAccount",
      eventSource: "activitylog.operator",
      userName: "operator",
      accountId: created.accountId,
      project: "default",
      readOnly: false,
    });
  });

  test("project, user, group, key, subscription and quota", async () => {
    // An account of its own (acme is the error tests'; account create makes initech).
    // Named by alias in the paths below; by id in the last call, which works as well.
    const { accountId: globex } = await createAccount(deps.database.db, "globex");
    expect((await call("POST", "/accounts/globex/projects", { project: "production" })).status).toBe(201);
    expect(lastCall).toMatchObject({ eventName: "CreateProject", accountId: globex, project: "production" });

    const user = await call("POST", "/accounts/globex/users", { user: "alice", password: "alice-password-1" });
    expect(user.status).toBe(201);
    expect(await user.json()).toEqual({ user: "alice", password: "alice-password-1" });
    expect(lastCall).toMatchObject({ eventName: "CreateUser", accountId: globex, requestParameters: { userName: "alice" } });
    expect(JSON.stringify(lastCall)).not.toContain("alice-password-1");

    const generated = await (await call("POST", "/accounts/globex/users", { user: "bob" })).json();
    expect(generated.password).toMatch(/^[A-Za-z0-9]{20}$/);

    const add = await call("PUT", "/accounts/globex/projects/production/administrators/alice");
    expect(add.status).toBe(200);
    expect(await add.json()).toMatchObject({ user: "alice", project: "production", added: true });
    expect(lastCall).toMatchObject({ eventName: "AddUserToGroup", accountId: globex, project: "production" });
    expect((await findUserForSignIn(deps.database.db, "globex", "alice"))?.caller.groups).toEqual([
      { project: "production", group: "ActivityLogAdministrators" },
    ]);

    const key = await call("POST", "/accounts/globex/access-keys", { user: "alice", project: "production" });
    expect(key.status).toBe(201);
    const pair = await key.json();
    expect(Object.keys(pair)).toEqual(["AccessKeyId", "SecretAccessKey"]);
    expect((await findAccessKey(deps.database.db, deps.secrets, pair.AccessKeyId))?.secretAccessKey).toBe(pair.SecretAccessKey);
    expect(lastCall).toMatchObject({ eventName: "CreateAccessKey", responseElements: { accessKeyId: pair.AccessKeyId } });
    expect(JSON.stringify(lastCall)).not.toContain(pair.SecretAccessKey);

    const imported = await call("POST", "/accounts/globex/access-keys", {
      user: "bob",
      project: "default",
      accessKeyId: "IMPORTEDKEY1",
      secretAccessKey: "imported-secret-1",
    });
    expect(await imported.json()).toEqual({ AccessKeyId: "IMPORTEDKEY1", SecretAccessKey: "imported-secret-1" });
    expect(JSON.stringify(lastCall)).not.toContain("imported-secret-1");

    const remove = await call("DELETE", "/accounts/globex/projects/production/administrators/alice");
    expect(await remove.json()).toMatchObject({ removed: true });
    expect(lastCall.eventName).toBe("RemoveUserFromGroup");

    const sub = await call("PUT", "/accounts/globex/subscription", { status: "inactive" });
    expect(await sub.json()).toEqual({ accountId: globex, subscription: "inactive" });
    expect(await isSubscriptionActive(deps.database.db, globex)).toBe(false);
    expect(lastCall).toMatchObject({ eventName: "SetSubscription", requestParameters: { status: "inactive" } });

    const quota = await call("PUT", "/accounts/globex/quotas/trails", { value: 5 });
    expect(await quota.json()).toEqual({ accountId: globex, quota: "trails", value: 5 });
    expect((await getQuotas(deps.database.db, globex)).trails).toBe(5);
    expect(lastCall).toMatchObject({ eventName: "SetQuota", requestParameters: { quotaName: "trails", value: 5 } });

    const show = await call("GET", `/accounts/${globex}`);
    expect(await show.json()).toMatchObject({
      accountId: globex,
      alias: "globex",
      projects: ["default", "production"],
      subscription: "inactive",
      quotas: { trails: 5, retentionDays: 30 },
    });
    expect(lastCall).toMatchObject({ eventName: "GetAccount", readOnly: true });
  });
});

describe("errors", () => {
  async function expectError(res: Response, status: number, error: string, message?: string | RegExp) {
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.error).toBe(error);
    if (typeof message === "string") expect(body.message).toBe(message);
    else if (message) expect(body.message).toMatch(message);
  }

  test("unknown account is 404 and not recorded anywhere", async () => {
    await expectError(await call("POST", "/accounts/nope/users", { user: "x" }), 404, "NotFoundException", "Account nope does not exist.");
    expect(lastCall.accountId).toBeUndefined();
    await expectError(await call("PUT", "/accounts/nope/quotas/trails", { value: 3 }), 404, "NotFoundException");
    await expectError(await call("GET", "/accounts/nope"), 404, "NotFoundException");
  });

  test("duplicates are 409 and recorded as failed calls of the account", async () => {
    await acmeWithAlice();
    await expectError(await call("POST", "/accounts", { account: "acme" }), 409, "ConflictException", "Account acme already exists.");
    const acme = testAccountId("acme");
    expect(lastCall).toMatchObject({ eventName: "CreateAccount", accountId: acme, errorCode: "ConflictException" });
    await expectError(await call("POST", "/accounts/acme/users", { user: "alice" }), 409, "ConflictException", `User alice already exists in account ${acme}.`);
    await expectError(await call("POST", "/accounts/acme/projects", { project: "production" }), 409, "ConflictException");
  });

  test("bad quota name names the valid ones; bad values say the range", async () => {
    await acmeWithAlice();
    await expectError(
      await call("PUT", "/accounts/acme/quotas/bogus", { value: 3 }),
      400,
      "ValidationException",
      /trails, retentionDays, reportsStored, reportsGenerating, reportTtlHours/,
    );
    await expectError(await call("PUT", "/accounts/acme/quotas/trails", { value: 0 }), 400, "ValidationException", /from 1 to/);
    await expectError(await call("PUT", "/accounts/acme/quotas/trails", { value: "3" }), 400, "ValidationException");
  });

  test("invalid bodies are 400 ValidationException naming the field", async () => {
    await acmeWithAlice();
    await expectError(await call("POST", "/accounts", {}), 400, "ValidationException", /account/);
    await expectError(await call("POST", "/accounts", { account: "Not Valid" }), 400, "ValidationException", /Account name/);
    await expectError(await call("POST", "/accounts", "{not json"), 400, "ValidationException");
    await expectError(await call("PUT", "/accounts/acme/subscription", { status: "paused" }), 400, "ValidationException", /active or inactive/);
    await expectError(
      await call("POST", "/accounts/acme/access-keys", { user: "bob", project: "default", accessKeyId: "ONLYID12" }),
      400,
      "ValidationException",
      /together/,
    );
    await expectError(await call("POST", "/accounts/acme/users", { user: "carol", password: "short" }), 400, "ValidationException", /at least 8/);
    await expectError(
      await call("PUT", "/accounts/acme/projects/nowhere/administrators/alice"),
      404,
      "NotFoundException",
      `Project nowhere does not exist in account ${testAccountId("acme")}.`,
    );
    await expectError(
      await call("PUT", "/accounts/acme/projects/default/administrators/nobody"),
      404,
      "NotFoundException",
      `User nobody does not exist in account ${testAccountId("acme")}.`,
    );
  });

  test("validate-trail: unknown trail is 404; times must be ISO-8601 (digest checks: worker/digests.test.ts)", async () => {
    await acmeWithAlice();
    await expectError(
      await call("POST", "/accounts/acme/trails/t1/validate", { from: "2026-11-01T00:00:00Z" }),
      404,
      "NotFoundException",
      `Trail t1 does not exist in account ${testAccountId("acme")}.`,
    );
    await expectError(await call("POST", "/accounts/acme/trails/t1/validate", { from: "yesterday" }), 400, "ValidationException", /ISO-8601/);
  });

  test("unknown operator paths are 404 NotFoundException", async () => {
    await expectError(await call("POST", "/nothing-here", {}), 404, "NotFoundException");
  });
});
