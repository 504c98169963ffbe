import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_GROUP, CLOUDTRAIL_EVENT_SOURCE, DEFAULT_QUOTAS } from "@activity-log/core";
import { createTestDeps, testEvent, type TestDeps } from "../test-kit/index.ts";
import { resolveKeyCaller } from "./caller-resolution.ts";
import { insertEvents } from "./events.ts";
import { addToGroup, createAccessKey, createAccount, createProject, setAccessKeyStatus, setQuota, setSubscription } from "./iam.ts";

let deps: TestDeps;

/** A new account whose system user (no password to hash: quick) holds a key, optionally in the admin group. */
async function keyHolder(alias: string, admin = true) {
  const { accountId, systemUser } = await createAccount(deps.database.db, alias);
  if (admin) await addToGroup(deps.database.db, accountId, systemUser, "default");
  const pair = await createAccessKey(deps.database.db, deps.secrets, accountId, systemUser, "default");
  return { accountId, userName: systemUser, accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey };
}

beforeAll(async () => {
  deps = await createTestDeps();
}, 120_000);
afterAll(async () => {
  await deps?.cleanup();
}, 30_000);

describe("resolveKeyCaller", () => {
  test("resolves the key's owner, groups, subscription and quotas in one answer", async () => {
    const user = await keyHolder("resolve-all");
    await createProject(deps.database.db, user.accountId, "production");
    await addToGroup(deps.database.db, user.accountId, user.userName, "production");
    await setQuota(deps.database.db, user.accountId, "retentionDays", 7);
    const found = await resolveKeyCaller(deps.database.db, deps.secrets, user.accessKeyId);
    expect(found).not.toBeNull();
    expect(found!.secretAccessKey).toBe(user.secretAccessKey);
    expect(found!.status).toBe("Active");
    expect(found!.caller).toMatchObject({
      accountId: user.accountId,
      userName: user.userName,
      isSystem: true,
      project: "default",
      accessKeyId: user.accessKeyId,
      subscriptionActive: true,
      groups: [
        { project: "default", group: ADMIN_GROUP },
        { project: "production", group: ADMIN_GROUP },
      ],
    });
    expect(found!.quotas).toEqual({ ...DEFAULT_QUOTAS, retentionDays: 7 });
    expect(found!.recentCalls).toBeNull();
  }, 30_000);

  test("an unknown key is null; an inactive key and a lapsed subscription are reported, not hidden", async () => {
    expect(await resolveKeyCaller(deps.database.db, deps.secrets, "AKIAUNKNOWN000000000")).toBeNull();
    const user = await keyHolder("resolve-inactive", false);
    await setAccessKeyStatus(deps.database.db, user.accountId, user.accessKeyId, "Inactive");
    await setSubscription(deps.database.db, user.accountId, false);
    const found = await resolveKeyCaller(deps.database.db, deps.secrets, user.accessKeyId);
    expect(found!.status).toBe("Inactive");
    expect(found!.caller.groups).toEqual([]);
    expect(found!.caller.subscriptionActive).toBe(false);
    expect(found!.quotas).toEqual(DEFAULT_QUOTAS);
  }, 30_000);

  test("counts the account's recent CloudTrail calls, up to the cap, and nobody else's", async () => {
    const user = await keyHolder("resolve-recent");
    const other = await keyHolder("resolve-recent-other");
    const now = Date.now();
    const call = (accountId: string, ago: number, over = {}) => testEvent(accountId, now - ago, { eventSource: CLOUDTRAIL_EVENT_SOURCE, ...over });
    await insertEvents(deps.database, [
      call(user.accountId, 1_000),
      call(user.accountId, 2_000),
      call(user.accountId, 3_000),
      call(user.accountId, 60_000), // before the window
      call(user.accountId, 500, { eventSource: "ec2.amazonaws.com" }), // not a CloudTrail call
      call(other.accountId, 500),
    ]);
    const since = new Date(now - 10_000);
    const counted = await resolveKeyCaller(deps.database.db, deps.secrets, user.accessKeyId, { since, cap: 50 });
    expect(counted!.recentCalls).toBe(3);
    const capped = await resolveKeyCaller(deps.database.db, deps.secrets, user.accessKeyId, { since, cap: 2 });
    expect(capped!.recentCalls).toBe(2);
  }, 30_000);
});
