import { DEFAULT_QUOTAS, DomainError } from "@activity-log/core";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createTestDatabase, createTestDeps, ensureAccount, type TestDeps, testAccountId } from "../test-kit/index.ts";
import {
  addToGroup,
  createAccessKey,
  createAccount,
  createProject,
  createUser,
  findAccessKey,
  findUserForSignIn,
  getQuotas,
  hasNoAccounts,
  isSubscriptionActive,
  listProjects,
  loadCaller,
  removeFromGroup,
  setQuota,
  setSubscription,
  verifyPassword,
  resolveAccount,
} from "./iam.ts";
import { accessKeys, users } from "./schema/iam.ts";

let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps.cleanup());

// A test that changes an account has one of its own; acme (with alice and bob) is shared only by tests that change nothing in it.

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("accounts", () => {
  test("an empty database has no accounts; create makes default project, system user, active subscription", async () => {
    // A database of its own: empty means no other test's accounts either.
    const database = await createTestDatabase();
    try {
      expect(await hasNoAccounts(database.db)).toBe(true);
      const created = await createAccount(database.db, "acme");
      // A random 12-digit id; the name is its alias.
      expect(created).toEqual({ accountId: expect.stringMatching(/^\d{12}$/), alias: "acme", project: "default", systemUser: "system" });
      const { accountId } = created;
      expect(await hasNoAccounts(database.db)).toBe(false);
      expect(await listProjects(database.db, accountId)).toEqual(["default"]);
      expect(await isSubscriptionActive(database.db, accountId)).toBe(true);
      expect(await resolveAccount(database.db, "acme")).toEqual({ accountId, alias: "acme" });
      expect(await resolveAccount(database.db, accountId)).toEqual({ accountId, alias: "acme" });
      expect((await rejection(resolveAccount(database.db, "nobody"))).code).toBe("NotFoundException");
      // Ids are drawn at random and never collide; a given id that is taken is a conflict.
      const other = await createAccount(database.db, "globex");
      expect(other.accountId).not.toBe(accountId);
      expect((await rejection(createAccount(database.db, "initech", { accountId }))).message).toBe(`Account id ${accountId} is already taken.`);
      const [system] = await database.db.select().from(users).where(eq(users.accountId, accountId));
      expect(system).toMatchObject({ name: "system", isSystem: true, passwordHash: null });
    } finally {
      await database.close();
    }
  });

  test("a duplicate account is a conflict, a bad name a validation error", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme", { users: ["alice", "bob"] });
    const dup = await rejection(createAccount(database.db, "acme"));
    expect(dup.code).toBe("ConflictException");
    expect(dup.message).toBe("Account acme already exists.");
    for (const bad of ["A", "Acme", "-acme", "ac me", "a".repeat(64), "", "123456789012"]) {
      expect((await rejection(createAccount(database.db, bad))).code).toBe("ValidationException");
    }
  });
});

describe("projects and users", () => {
  test("projects are listed sorted; duplicates conflict; unknown accounts are not found", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme-projects");
    await createProject(database.db, testAccountId("acme-projects"), "production");
    await createProject(database.db, testAccountId("acme-projects"), "staging");
    expect(await listProjects(database.db, testAccountId("acme-projects"))).toEqual(["default", "production", "staging"]);
    expect((await rejection(createProject(database.db, testAccountId("acme-projects"), "staging"))).code).toBe("ConflictException");
    const missing = await rejection(createProject(database.db, "nope", "x"));
    expect(missing.code).toBe("NotFoundException");
    expect(missing.message).toBe("Account nope does not exist.");
    expect((await rejection(createProject(database.db, testAccountId("acme-projects"), "bad name"))).code).toBe("ValidationException");
  });

  test("users get a generated password when none is given, stored only as a hash", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme-users");
    const alice = await createUser(database.db, testAccountId("acme-users"), "alice");
    expect(alice.user).toBe("alice");
    expect(alice.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const bob = await createUser(database.db, testAccountId("acme-users"), "bob", "correct horse battery");
    expect(bob.password).toBe("correct horse battery");
    const found = await findUserForSignIn(database.db, "acme-users", "bob");
    expect(found?.user.passwordHash).not.toContain("correct horse");
    expect(await verifyPassword(found!.user, "correct horse battery")).toBe(true);
    expect(await verifyPassword(found!.user, "wrong password")).toBe(false);
  });

  test("duplicate users conflict; short passwords, bad names and unknown accounts are refused", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme", { users: ["alice", "bob"] });
    const dup = await rejection(createUser(database.db, testAccountId("acme"), "alice"));
    expect(dup.code).toBe("ConflictException");
    expect(dup.message).toBe(`User alice already exists in account ${testAccountId("acme")}.`);
    expect((await rejection(createUser(database.db, testAccountId("acme"), "system"))).code).toBe("ConflictException");
    expect((await rejection(createUser(database.db, testAccountId("acme"), "carol", "short"))).code).toBe("ValidationException");
    expect((await rejection(createUser(database.db, testAccountId("acme"), "car ol"))).code).toBe("ValidationException");
    expect((await rejection(createUser(database.db, "nope", "carol"))).code).toBe("NotFoundException");
  });

  test("the system user can never pass a password check", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme", { users: ["alice", "bob"] });
    const system = await findUserForSignIn(database.db, "acme", "system");
    expect(system?.caller.isSystem).toBe(true);
    expect(await verifyPassword(system!.user, "")).toBe(false);
    expect(await findUserForSignIn(database.db, "acme", "nobody")).toBeNull();
    expect(await findUserForSignIn(database.db, "nope", "alice")).toBeNull();
  });
});

describe("groups and callers", () => {
  test("membership of ActivityLogAdministrators is added and removed idempotently", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme-groups", { users: ["alice"], projects: ["production"] });
    expect(await addToGroup(database.db, testAccountId("acme-groups"), "alice", "production")).toMatchObject({
      added: true,
      group: "ActivityLogAdministrators",
    });
    expect((await addToGroup(database.db, testAccountId("acme-groups"), "alice", "production")).added).toBe(false);
    const signIn = await findUserForSignIn(database.db, "acme-groups", "alice");
    expect(signIn?.caller).toMatchObject({
      accountId: testAccountId("acme-groups"),
      userName: "alice",
      isSystem: false,
      project: "production",
      accessKeyId: null,
      groups: [{ project: "production", group: "ActivityLogAdministrators" }],
      subscriptionActive: true,
    });
    expect((await removeFromGroup(database.db, testAccountId("acme-groups"), "alice", "production")).removed).toBe(true);
    expect((await removeFromGroup(database.db, testAccountId("acme-groups"), "alice", "production")).removed).toBe(false);
    expect((await findUserForSignIn(database.db, "acme-groups", "alice"))?.caller.groups).toEqual([]);
  });

  test("a console caller without groups acts in default; unknown users and projects are not found", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme", { users: ["alice", "bob"] });
    const bob = await findUserForSignIn(database.db, "acme", "bob");
    expect(bob?.caller.project).toBe("default");
    expect((await rejection(addToGroup(database.db, testAccountId("acme"), "nobody", "default"))).message).toBe(
      `User nobody does not exist in account ${testAccountId("acme")}.`,
    );
    expect((await rejection(addToGroup(database.db, testAccountId("acme"), "bob", "nowhere"))).message).toBe(
      `Project nowhere does not exist in account ${testAccountId("acme")}.`,
    );
  });
});

describe("access keys", () => {
  test("a generated key has the AKIA form, a 40-character secret, and is stored encrypted", async () => {
    const { database, secrets } = deps;
    await ensureAccount(deps, "acme-keys", { users: ["bob"], projects: ["staging"] });
    const pair = await createAccessKey(database.db, secrets, testAccountId("acme-keys"), "bob", "staging");
    expect(pair.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(pair.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    const [row] = await database.db.select().from(accessKeys).where(eq(accessKeys.accessKeyId, pair.AccessKeyId));
    expect(row?.secretEncrypted).not.toContain(pair.SecretAccessKey);
    const found = await findAccessKey(database.db, secrets, pair.AccessKeyId);
    expect(found).toMatchObject({ accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey, status: "Active" });
    expect(found?.caller).toMatchObject({ accountId: testAccountId("acme-keys"), userName: "bob", project: "staging", accessKeyId: pair.AccessKeyId });
    expect(await findAccessKey(database.db, secrets, "AKIANOSUCHKEY0000000")).toBeNull();
  });

  test("an imported pair keeps its values; a duplicate id conflicts; bad values are refused", async () => {
    const { database, secrets } = deps;
    await ensureAccount(deps, "acme-import", { users: ["alice", "bob"] });
    const pair = await createAccessKey(database.db, secrets, testAccountId("acme-import"), "alice", "default", {
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER-secret",
    });
    expect(pair).toEqual({ AccessKeyId: "S3RVER", SecretAccessKey: "S3RVER-secret" });
    expect((await findAccessKey(database.db, secrets, "S3RVER"))?.secretAccessKey).toBe("S3RVER-secret");
    expect(
      (
        await rejection(
          createAccessKey(database.db, secrets, testAccountId("acme-import"), "bob", "default", { accessKeyId: "S3RVER", secretAccessKey: "another-secret" }),
        )
      ).code,
    ).toBe("ConflictException");
    expect(
      (
        await rejection(
          createAccessKey(database.db, secrets, testAccountId("acme-import"), "bob", "default", {
            accessKeyId: "no spaces",
            secretAccessKey: "another-secret",
          }),
        )
      ).code,
    ).toBe("ValidationException");
    expect(
      (
        await rejection(
          createAccessKey(database.db, secrets, testAccountId("acme-import"), "bob", "default", { accessKeyId: "GOODKEYID1", secretAccessKey: "short" }),
        )
      ).code,
    ).toBe("ValidationException");
    expect((await rejection(createAccessKey(database.db, secrets, testAccountId("acme-import"), "bob", "nowhere"))).code).toBe("NotFoundException");
    expect((await rejection(createAccessKey(database.db, secrets, testAccountId("acme-import"), "nobody", "default"))).code).toBe("NotFoundException");
  });

  test("another account's key resolves to that account (keys are global, callers are scoped)", async () => {
    const { database, secrets } = deps;
    const { accountId: globex } = await createAccount(database.db, "globex");
    await createUser(database.db, globex, "alice");
    const pair = await createAccessKey(database.db, secrets, globex, "alice", "default");
    expect((await findAccessKey(database.db, secrets, pair.AccessKeyId))?.caller.accountId).toBe(globex);
  });
});

describe("subscription and quotas", () => {
  test("subscription switches and shows on callers", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme-subscription", { users: ["bob"] });
    expect(await setSubscription(database.db, testAccountId("acme-subscription"), false)).toEqual({
      accountId: testAccountId("acme-subscription"),
      subscription: "inactive",
    });
    expect(await isSubscriptionActive(database.db, testAccountId("acme-subscription"))).toBe(false);
    const bob = await findUserForSignIn(database.db, "acme-subscription", "bob");
    expect((await loadCaller(database.db, bob!.user.id, "default", null)).subscriptionActive).toBe(false);
    await setSubscription(database.db, testAccountId("acme-subscription"), true);
    expect(await isSubscriptionActive(database.db, testAccountId("acme-subscription"))).toBe(true);
    expect(await isSubscriptionActive(database.db, "nope")).toBe(false);
    expect((await rejection(setSubscription(database.db, "nope", true))).code).toBe("NotFoundException");
  });

  test("quotas are the defaults until overridden, per account", async () => {
    const database = deps.database;
    await ensureAccount(deps, "acme-quotas");
    await ensureAccount(deps, "globex-quotas");
    expect(await getQuotas(database.db, testAccountId("acme-quotas"))).toEqual({ ...DEFAULT_QUOTAS });
    await setQuota(database.db, testAccountId("acme-quotas"), "trails", 5);
    await setQuota(database.db, testAccountId("acme-quotas"), "trails", 7);
    await setQuota(database.db, testAccountId("acme-quotas"), "retentionDays", 365);
    expect(await getQuotas(database.db, testAccountId("acme-quotas"))).toEqual({ ...DEFAULT_QUOTAS, trails: 7, retentionDays: 365 });
    expect(await getQuotas(database.db, testAccountId("globex-quotas"))).toEqual({ ...DEFAULT_QUOTAS });
    expect((await rejection(setQuota(database.db, "nope", "trails", 3))).code).toBe("NotFoundException");
  });
});
