import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecretBox } from "../auth/secret-box.ts";
import { fixedClock } from "../clock.ts";
import { loadConfig } from "../config.ts";
import type { Database } from "../db/client.ts";
import { findAccessKey, findUserForSignIn, getQuotas, isSubscriptionActive } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv, CallRecord } from "../http-context.ts";
import { handleError } from "../http-errors.ts";
import { silentLogger } from "../logger.ts";
import { createStorage } from "../storage/index.ts";
import { createTestDatabase } from "../test-kit/database.ts";
import { operatorRouter } from "./router.ts";

const TOKEN = "operator-token-for-tests-0123456789";
let database: Database;
let deps: AppDeps;
let dataDir: string;
/** The call record of the last request, as record.ts would see it after the response. */
let lastCall: CallRecord;

/** The app's request plumbing around just the operator router, so the call record can be observed. */
function buildApp() {
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set("deps", deps);
      c.set("requestId", crypto.randomUUID());
      c.set("call", {});
      await next();
      lastCall = c.get("call");
    })
    .route("/internal/v1/operator", operatorRouter());
  app.onError(handleError);
  return app;
}
let app: ReturnType<typeof buildApp>;

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
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "al-operator-"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET_KEY: "secret-key-for-tests-0123456789",
    INGEST_TOKEN: "ingest-token-for-tests-012345",
    OPERATOR_TOKEN: TOKEN,
  });
  const secrets = createSecretBox(config.secretKey);
  deps = {
    database,
    config,
    secrets,
    storage: createStorage(config, database, secrets),
    clock: fixedClock(new Date("2026-11-24T10:00:00Z")),
    logger: silentLogger,
  };
  app = buildApp();
});
afterAll(async () => {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

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
    const res = await call("POST", "/accounts", { account: "acme" });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ accountId: "acme", project: "default", systemUser: "system" });
    expect(lastCall).toMatchObject({
      eventName: "CreateAccount",
      eventSource: "activitylog.operator",
      userName: "operator",
      accountId: "acme",
      project: "default",
      readOnly: false,
    });
  });

  test("project, user, group, key, subscription and quota", async () => {
    expect((await call("POST", "/accounts/acme/projects", { project: "production" })).status).toBe(201);
    expect(lastCall).toMatchObject({ eventName: "CreateProject", accountId: "acme", project: "production" });

    const user = await call("POST", "/accounts/acme/users", { user: "alice", password: "alice-password-1" });
    expect(user.status).toBe(201);
    expect(await user.json()).toEqual({ user: "alice", password: "alice-password-1" });
    expect(lastCall).toMatchObject({ eventName: "CreateUser", accountId: "acme", requestParameters: { userName: "alice" } });
    expect(JSON.stringify(lastCall)).not.toContain("alice-password-1");

    const generated = await (await call("POST", "/accounts/acme/users", { user: "bob" })).json();
    expect(generated.password).toMatch(/^[A-Za-z0-9]{20}$/);

    const add = await call("PUT", "/accounts/acme/projects/production/administrators/alice");
    expect(add.status).toBe(200);
    expect(await add.json()).toMatchObject({ user: "alice", project: "production", added: true });
    expect(lastCall).toMatchObject({ eventName: "AddUserToGroup", accountId: "acme", project: "production" });
    expect((await findUserForSignIn(database.db, "acme", "alice"))?.caller.groups).toEqual([{ project: "production", group: "ActivityLogAdministrators" }]);

    const key = await call("POST", "/accounts/acme/access-keys", { user: "alice", project: "production" });
    expect(key.status).toBe(201);
    const pair = await key.json();
    expect(Object.keys(pair)).toEqual(["AccessKeyId", "SecretAccessKey"]);
    expect((await findAccessKey(database.db, deps.secrets, pair.AccessKeyId))?.secretAccessKey).toBe(pair.SecretAccessKey);
    expect(lastCall).toMatchObject({ eventName: "CreateAccessKey", responseElements: { accessKeyId: pair.AccessKeyId } });
    expect(JSON.stringify(lastCall)).not.toContain(pair.SecretAccessKey);

    const imported = await call("POST", "/accounts/acme/access-keys", {
      user: "bob",
      project: "default",
      accessKeyId: "IMPORTEDKEY1",
      secretAccessKey: "imported-secret-1",
    });
    expect(await imported.json()).toEqual({ AccessKeyId: "IMPORTEDKEY1", SecretAccessKey: "imported-secret-1" });
    expect(JSON.stringify(lastCall)).not.toContain("imported-secret-1");

    const remove = await call("DELETE", "/accounts/acme/projects/production/administrators/alice");
    expect(await remove.json()).toMatchObject({ removed: true });
    expect(lastCall.eventName).toBe("RemoveUserFromGroup");

    const sub = await call("PUT", "/accounts/acme/subscription", { status: "inactive" });
    expect(await sub.json()).toEqual({ accountId: "acme", subscription: "inactive" });
    expect(await isSubscriptionActive(database.db, "acme")).toBe(false);
    expect(lastCall).toMatchObject({ eventName: "SetSubscription", requestParameters: { status: "inactive" } });

    const quota = await call("PUT", "/accounts/acme/quotas/trails", { value: 5 });
    expect(await quota.json()).toEqual({ accountId: "acme", quota: "trails", value: 5 });
    expect((await getQuotas(database.db, "acme")).trails).toBe(5);
    expect(lastCall).toMatchObject({ eventName: "SetQuota", requestParameters: { quotaName: "trails", value: 5 } });

    const show = await call("GET", "/accounts/acme");
    expect(await show.json()).toMatchObject({
      accountId: "acme",
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
    await expectError(await call("POST", "/accounts", { account: "acme" }), 409, "ConflictException", "Account acme already exists.");
    expect(lastCall).toMatchObject({ eventName: "CreateAccount", accountId: "acme", errorCode: "ConflictException" });
    await expectError(await call("POST", "/accounts/acme/users", { user: "alice" }), 409, "ConflictException", "User alice already exists in account acme.");
    await expectError(await call("POST", "/accounts/acme/projects", { project: "production" }), 409, "ConflictException");
  });

  test("bad quota name names the valid ones; bad values say the range", async () => {
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
      "Project nowhere does not exist in account acme.",
    );
    await expectError(
      await call("PUT", "/accounts/acme/projects/default/administrators/nobody"),
      404,
      "NotFoundException",
      "User nobody does not exist in account acme.",
    );
  });

  test("validate-trail: unknown trail is 404; times must be ISO-8601 (digest checks: worker/digests.test.ts)", async () => {
    await expectError(
      await call("POST", "/accounts/acme/trails/t1/validate", { from: "2026-11-01T00:00:00Z" }),
      404,
      "NotFoundException",
      "Trail t1 does not exist in account acme.",
    );
    await expectError(await call("POST", "/accounts/acme/trails/t1/validate", { from: "yesterday" }), 400, "ValidationException", /ISO-8601/);
  });

  test("unknown operator paths are 404 NotFoundException", async () => {
    await expectError(await call("POST", "/nothing-here", {}), 404, "NotFoundException");
  });
});
