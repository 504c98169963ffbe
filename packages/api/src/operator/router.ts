/**
 * The operator API behind `bun run admin` (/internal/v1/operator, Bearer $OPERATOR_TOKEN): cloud
 * support creates accounts, users and keys, switches subscriptions and relaxes limits. Every action
 * is recorded as an event of the target account (eventSource activitylog.operator, user `operator`).
 * Secrets (passwords, secret keys) are answered once and never put into the recorded call.
 */
import { DEFAULT_PROJECT, DomainError, OPERATOR_EVENT_SOURCE, parseQuotaName, validateAccountName, validateQuotaValue } from "@activity-log/core";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import * as v from "valibot";
import {
  addToGroup,
  createAccessKey,
  createAccount,
  createProject,
  createUser,
  deleteAccessKey,
  deleteUser,
  getQuotas,
  isSubscriptionActive,
  listProjects,
  removeFromGroup,
  findAccount,
  resolveAccount,
  setAccessKeyStatus,
  setQuota,
  setSubscription,
  setUserDisabled,
} from "../db/iam.ts";
import type { AppEnv } from "../http-context.ts";
import { createProjectBucket } from "../trails/buckets.ts";
import { validateTrail } from "../trails/validate.ts";
import { listRules } from "../db/rules.ts";
import { requireBearer } from "../auth/bearer.ts";
import { jsonInput } from "../input-validation.ts";

const OPERATOR_USER = "operator";

/** Names the call for the recorder; the account is filled in once it is known to exist. */
const operation = (eventName: string, readOnly = false) =>
  createMiddleware<AppEnv>(async (c, next) => {
    Object.assign(c.get("call"), {
      eventName,
      eventSource: OPERATOR_EVENT_SOURCE,
      eventType: "AwsApiCall",
      userName: OPERATOR_USER,
      accessKeyId: null,
      project: DEFAULT_PROJECT,
      readOnly,
    });
    await next();
  });

/** `:account` names the account by id or alias: 404 when unknown; otherwise the call is recorded in that account (by id). */
const existingAccount = createMiddleware<AppEnv>(async (c, next) => {
  const { accountId } = await resolveAccount(c.get("deps").database.db, c.req.param("account") ?? "");
  c.get("call").accountId = accountId;
  await next();
});

/** The id of the account existingAccount resolved. */
const accountOf = (c: Context<AppEnv>): string => c.get("call").accountId!;

const name = (what: string) =>
  v.pipe(v.string(`${what} must be a string.`), v.minLength(1, `${what} must not be empty.`), v.maxLength(128, `${what} is too long.`));
const isoTime = (what: string) =>
  v.pipe(v.string(`${what} must be an ISO-8601 time.`), v.isoTimestamp(`${what} must be an ISO-8601 time such as 2026-11-24T10:00:00Z.`));

const CreateAccountBody = v.object({ account: name("account") });
const CreateProjectBody = v.object({ project: name("project") });
const CreateUserBody = v.object({
  user: name("user"),
  password: v.optional(v.pipe(v.string("password must be a string."), v.maxLength(256, "password is too long."))),
});
const CreateKeyBody = v.pipe(
  v.object({
    user: name("user"),
    project: name("project"),
    accessKeyId: v.optional(v.string("accessKeyId must be a string.")),
    secretAccessKey: v.optional(v.string("secretAccessKey must be a string.")),
  }),
  v.check(
    (b) => (b.accessKeyId === undefined) === (b.secretAccessKey === undefined),
    "accessKeyId and secretAccessKey must be given together to import a key pair.",
  ),
);
const CreateBucketBody = v.object({ project: name("project"), bucket: name("bucket") });
const KeyStatusBody = v.object({ status: v.picklist(["Active", "Inactive"], "status must be Active or Inactive.") });
const UserStatusBody = v.object({ status: v.picklist(["Enabled", "Disabled"], "status must be Enabled or Disabled.") });
const SubscriptionBody = v.object({ status: v.picklist(["active", "inactive"], "status must be active or inactive.") });
const QuotaBody = v.object({ value: v.unknown() });
const ValidateTrailBody = v.object({ from: isoTime("from"), to: v.optional(isoTime("to")) });

export function operatorRouter() {
  return (
    new Hono<AppEnv>()
      .use(
        requireBearer((c) => c.get("deps").config.operatorToken, {
          realm: "activity-log-operator",
          missing: "This API requires an Authorization: Bearer <token> header.",
          invalid: "The bearer token is not valid.",
        }),
      )
      .post("/accounts", operation("CreateAccount"), jsonInput(CreateAccountBody), async (c) => {
        const { account } = c.req.valid("json");
        validateAccountName(account);
        const call = c.get("call");
        call.requestParameters = { accountAlias: account };
        // A duplicate is a failed call of the account that has the name.
        const existing = await findAccount(c.get("deps").database.db, account);
        if (existing) call.accountId = existing.accountId;
        const created = await createAccount(c.get("deps").database.db, account);
        call.accountId = created.accountId;
        call.responseElements = created;
        return c.json(created, 201);
      })
      .get("/accounts/:account", operation("GetAccount", true), existingAccount, async (c) => {
        const db = c.get("deps").database.db;
        const { accountId, alias } = await resolveAccount(db, accountOf(c));
        c.get("call").requestParameters = { accountId };
        return c.json({
          accountId,
          alias,
          projects: await listProjects(db, accountId),
          subscription: (await isSubscriptionActive(db, accountId)) ? "active" : "inactive",
          quotas: await getQuotas(db, accountId),
        });
      })
      .post("/accounts/:account/projects", operation("CreateProject"), existingAccount, jsonInput(CreateProjectBody), async (c) => {
        const { project } = c.req.valid("json");
        const call = c.get("call");
        call.requestParameters = { projectName: project };
        const created = await createProject(c.get("deps").database.db, accountOf(c), project);
        call.project = project;
        call.responseElements = created;
        return c.json(created, 201);
      })
      .post("/accounts/:account/users", operation("CreateUser"), existingAccount, jsonInput(CreateUserBody), async (c) => {
        const { user, password } = c.req.valid("json");
        const call = c.get("call");
        // The password never enters the record (record.ts would mask it, but it need not be there at all).
        call.requestParameters = { userName: user };
        const created = await createUser(c.get("deps").database.db, accountOf(c), user, password);
        call.responseElements = { userName: created.user };
        return c.json(created, 201);
      })
      .put("/accounts/:account/projects/:project/administrators/:user", operation("AddUserToGroup"), existingAccount, async (c) => {
        const { project, user } = c.req.param();
        const call = c.get("call");
        call.project = project;
        call.requestParameters = { userName: user, project, groupName: "ActivityLogAdministrators" };
        const result = await addToGroup(c.get("deps").database.db, accountOf(c), user, project);
        call.responseElements = result;
        return c.json(result);
      })
      .delete("/accounts/:account/projects/:project/administrators/:user", operation("RemoveUserFromGroup"), existingAccount, async (c) => {
        const { project, user } = c.req.param();
        const call = c.get("call");
        call.project = project;
        call.requestParameters = { userName: user, project, groupName: "ActivityLogAdministrators" };
        const result = await removeFromGroup(c.get("deps").database.db, accountOf(c), user, project);
        call.responseElements = result;
        return c.json(result);
      })
      .post("/accounts/:account/access-keys", operation("CreateAccessKey"), existingAccount, jsonInput(CreateKeyBody), async (c) => {
        const body = c.req.valid("json");
        const deps = c.get("deps");
        const imported =
          body.accessKeyId !== undefined && body.secretAccessKey !== undefined
            ? { accessKeyId: body.accessKeyId, secretAccessKey: body.secretAccessKey }
            : undefined;
        const call = c.get("call");
        call.project = body.project;
        call.requestParameters = { userName: body.user, project: body.project, ...(imported ? { importedAccessKeyId: imported.accessKeyId } : {}) };
        const pair = await createAccessKey(deps.database.db, deps.secrets, accountOf(c), body.user, body.project, imported);
        call.responseElements = { accessKeyId: pair.AccessKeyId, userName: body.user, project: body.project, status: "Active" };
        return c.json(pair, 201);
      })
      // ---- revocation: each takes effect at the next request (the key or user is looked up every time) ----
      .put("/accounts/:account/access-keys/:accessKeyId/status", operation("UpdateAccessKey"), existingAccount, jsonInput(KeyStatusBody), async (c) => {
        const { status } = c.req.valid("json");
        const accessKeyId = c.req.param("accessKeyId");
        const call = c.get("call");
        call.requestParameters = { accessKeyId, status };
        const result = await setAccessKeyStatus(c.get("deps").database.db, accountOf(c), accessKeyId, status);
        call.project = result.project;
        call.responseElements = result;
        return c.json(result);
      })
      .delete("/accounts/:account/access-keys/:accessKeyId", operation("DeleteAccessKey"), existingAccount, async (c) => {
        const accessKeyId = c.req.param("accessKeyId");
        const call = c.get("call");
        call.requestParameters = { accessKeyId };
        const result = await deleteAccessKey(c.get("deps").database.db, accountOf(c), accessKeyId);
        call.project = result.project;
        call.responseElements = result;
        return c.json({ ...result, deleted: true });
      })
      .put("/accounts/:account/users/:user/status", operation("UpdateUser"), existingAccount, jsonInput(UserStatusBody), async (c) => {
        const { status } = c.req.valid("json");
        const user = c.req.param("user");
        const call = c.get("call");
        call.requestParameters = { userName: user, status };
        const deps = c.get("deps");
        const result = await setUserDisabled(deps.database.db, accountOf(c), user, status === "Disabled", deps.clock.now());
        call.responseElements = result;
        return c.json(result);
      })
      .delete("/accounts/:account/users/:user", operation("DeleteUser"), existingAccount, async (c) => {
        const user = c.req.param("user");
        const call = c.get("call");
        call.requestParameters = { userName: user };
        const result = await deleteUser(c.get("deps").database.db, accountOf(c), user);
        call.responseElements = result;
        return c.json({ ...result, deleted: true });
      })
      .post("/accounts/:account/buckets", operation("CreateBucket"), existingAccount, jsonInput(CreateBucketBody), async (c) => {
        const { project, bucket } = c.req.valid("json");
        const call = c.get("call");
        call.project = project;
        call.requestParameters = { bucketName: bucket, project };
        const created = await createProjectBucket(c.get("deps"), accountOf(c), project, bucket);
        call.responseElements = created;
        return c.json(created, 201);
      })
      .put("/accounts/:account/subscription", operation("SetSubscription"), existingAccount, jsonInput(SubscriptionBody), async (c) => {
        const { status } = c.req.valid("json");
        const call = c.get("call");
        call.requestParameters = { status };
        const result = await setSubscription(c.get("deps").database.db, accountOf(c), status === "active");
        call.responseElements = result;
        return c.json(result);
      })
      .put("/accounts/:account/quotas/:name", operation("SetQuota"), existingAccount, jsonInput(QuotaBody), async (c) => {
        const call = c.get("call");
        const raw = c.req.valid("json").value;
        call.requestParameters = { quotaName: c.req.param("name"), value: raw };
        const quota = parseQuotaName(c.req.param("name"));
        const value = validateQuotaValue(quota, raw);
        const result = await setQuota(c.get("deps").database.db, accountOf(c), quota, value);
        call.responseElements = result;
        return c.json(result);
      })
      .get("/accounts/:account/rules", operation("ListRules", true), existingAccount, async (c) => {
        const db = c.get("deps").database.db;
        const accountId = accountOf(c);
        const [rows, quotas, active] = await Promise.all([listRules(db, accountId), getQuotas(db, accountId), isSubscriptionActive(db, accountId)]);
        c.get("call").requestParameters = { accountId };
        // What support needs to answer "why did my webhook stop": never the secret, not even sealed.
        return c.json({
          accountId,
          quota: { used: rows.length, limit: quotas.rules },
          subscription: active ? "active" : "inactive",
          rules: rows.map((r) => ({
            name: r.name,
            url: r.url,
            filter: r.filter,
            enabled: r.enabled,
            disabledReason: r.disabledReason,
            secretHint: r.secretHint,
            lastDeliveryAt: r.lastDeliveryAt?.toISOString() ?? null,
            lastDeliveryStatus: r.lastDeliveryStatus,
            lastErrorAt: r.lastErrorAt?.toISOString() ?? null,
            lastError: r.lastErrorMessage,
            pausedSince: r.pausedSince?.toISOString() ?? null,
            createdAt: r.createdAt.toISOString(),
          })),
        });
      })
      .post("/accounts/:account/trails/:trail/validate", operation("ValidateTrail", true), existingAccount, jsonInput(ValidateTrailBody), async (c) => {
        const body = c.req.valid("json");
        const call = c.get("call");
        call.requestParameters = { trailName: c.req.param("trail"), ...body };
        const result = await validateTrail(
          c.get("deps"),
          accountOf(c),
          c.req.param("trail"),
          new Date(body.from),
          body.to === undefined ? undefined : new Date(body.to),
        );
        call.responseElements = { valid: result.valid, digests: result.digests, archives: result.archives, problems: result.problems.length };
        return c.json(result);
      })
      .all("*", () => {
        throw new DomainError("NotFoundException", "There is no such operator endpoint; see `bun run admin -- help`.");
      })
  );
}
