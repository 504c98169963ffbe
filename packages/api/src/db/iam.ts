/**
 * IAM queries: accounts, projects, users, the ActivityLogAdministrators group, access keys,
 * subscriptions and quota overrides. Every query carries the account id (the tenant boundary).
 * Failures a caller can cause throw core DomainErrors (NotFound/Conflict/Validation), so the
 * operator API and the CLI answer them with a clear message.
 */
import {
  ADMIN_GROUP,
  type Caller,
  consoleProject,
  DEFAULT_PROJECT,
  DomainError,
  effectiveQuotas,
  type QuotaName,
  type Quotas,
  SYSTEM_USER,
  isAccountId,
  randomAccountId,
  validateAccountId,
  validateAccountName,
  validateImportedKeyPair,
  validatePassword,
  validateProjectName,
  validateUserName,
} from "@activity-log/core";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { SecretBox } from "../auth/secret-box.ts";
import type { Db } from "./client.ts";
import { rowsOf } from "./rows.ts";
import { accessKeys, accounts, groupMembers, projects, quotas, sessions, subscriptions, users } from "./schema/iam.ts";

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Passwords are read off a terminal: no look-alike characters.
const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** Uniform characters from Web Crypto (rejection sampling, no modulo bias); this module also runs on the edge entry. */
function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let s = "";
  while (s.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && s.length < length) s += alphabet[byte % alphabet.length];
    }
  }
  return s;
}

const newAccessKeyId = () => `AKIA${randomString(UPPER_ALNUM, 16)}`;
const newSecretAccessKey = () => randomString(SECRET_ALPHABET, 40);
const newPassword = () => randomString(PASSWORD_ALPHABET, 20);

// ---------- accounts ----------

async function accountExists(db: Db, accountId: string): Promise<boolean> {
  const rows = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).limit(1);
  return rows.length > 0;
}

/** Throws NotFoundException unless the account exists. */
export async function requireAccount(db: Db, accountId: string): Promise<void> {
  if (!(await accountExists(db, accountId))) throw new DomainError("NotFoundException", `Account ${accountId} does not exist.`);
}

export type AccountRef = { accountId: string; alias: string };

/**
 * The account an operator or a service names, by its 12-digit id or by its alias (no alias is all
 * digits, so the two never collide); null when there is none.
 */
export async function findAccount(db: Db, idOrAlias: string): Promise<AccountRef | null> {
  const column = isAccountId(idOrAlias) ? accounts.id : accounts.alias;
  const [row] = await db.select({ accountId: accounts.id, alias: accounts.alias }).from(accounts).where(eq(column, idOrAlias)).limit(1);
  return row ?? null;
}

/** findAccount, or NotFoundException. */
export async function resolveAccount(db: Db, idOrAlias: string): Promise<AccountRef> {
  const found = await findAccount(db, idOrAlias);
  if (!found) throw new DomainError("NotFoundException", `Account ${idOrAlias} does not exist.`);
  return found;
}

export type CreatedAccount = { accountId: string; alias: string; project: string; systemUser: string };

/**
 * Creates an account named `alias` with a fresh random 12-digit id (or the given one, which must be
 * unused; accounts are never deleted, so an id is never reused), its `default` project, its system
 * user and an active subscription.
 */
export async function createAccount(db: Db, alias: string, options: { accountId?: string } = {}): Promise<CreatedAccount> {
  validateAccountName(alias);
  if (options.accountId !== undefined) validateAccountId(options.accountId);
  return db.transaction(async (tx) => {
    const taken = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.alias, alias)).limit(1);
    if (taken.length > 0) throw new DomainError("ConflictException", `Account ${alias} already exists.`);
    let accountId = options.accountId;
    for (let attempt = 0; ; attempt++) {
      const id = accountId ?? randomAccountId((n) => crypto.getRandomValues(new Uint8Array(n)));
      const inserted = await tx.insert(accounts).values({ id, alias }).onConflictDoNothing().returning({ id: accounts.id, alias: accounts.alias });
      if (inserted.length > 0) {
        accountId = id;
        break;
      }
      // A concurrent create of the same alias won the race, or the (given or drawn) id is taken.
      const [byAlias] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.alias, alias)).limit(1);
      if (byAlias || options.accountId !== undefined || attempt >= 5) {
        throw new DomainError("ConflictException", byAlias ? `Account ${alias} already exists.` : `Account id ${id} is already taken.`);
      }
    }
    await tx.insert(projects).values({ accountId, name: DEFAULT_PROJECT });
    await tx.insert(users).values({ accountId, name: SYSTEM_USER, isSystem: true, passwordHash: null });
    await tx.insert(subscriptions).values({ accountId, active: true });
    return { accountId, alias, project: DEFAULT_PROJECT, systemUser: SYSTEM_USER };
  });
}

/** True when no account exists yet (the demo seeds only an empty database). */
export async function hasNoAccounts(db: Db): Promise<boolean> {
  const rows = await db.select({ id: accounts.id }).from(accounts).limit(1);
  return rows.length === 0;
}

/**
 * Ingest names the recipient by id or alias. Resolves each (account, project) pair it was sent:
 * `ids` maps every name that exists to its account id; `problems` describe the others for the caller
 * ("unknown account 'x'", "unknown project 'p' in account 'x'"), sorted.
 */
export async function resolveRecipients(
  db: Db,
  recipients: { accountId: string; project: string }[],
): Promise<{ ids: Map<string, string>; problems: string[] }> {
  const pairs = new Map<string, { a: string; p: string }>();
  for (const r of recipients) pairs.set(`${r.accountId}\u0000${r.project}`, { a: r.accountId, p: r.project });
  const rows = await rowsOf<{ a: string; p: string; id: string | null; has_project: boolean }>(
    db,
    sql`select x.a, x.p, acc.id,
            exists (select 1 from projects where account_id = acc.id and name = x.p) as has_project
        from json_to_recordset(${JSON.stringify([...pairs.values()])}::json) as x(a text, p text)
        left join accounts acc on (case when x.a ~ '^[0-9]{12}$' then acc.id else acc.alias end) = x.a`,
  );
  const ids = new Map<string, string>();
  const problems = new Set<string>();
  for (const r of rows) {
    if (r.id === null) problems.add(`unknown account '${r.a}'`);
    else {
      ids.set(r.a, r.id);
      if (!r.has_project) problems.add(`unknown project '${r.p}' in account '${r.a}'`);
    }
  }
  return { ids, problems: [...problems].sort() };
}

// ---------- projects ----------

export async function createProject(db: Db, accountId: string, project: string): Promise<{ accountId: string; project: string }> {
  validateProjectName(project);
  await requireAccount(db, accountId);
  const inserted = await db.insert(projects).values({ accountId, name: project }).onConflictDoNothing().returning({ name: projects.name });
  if (inserted.length === 0) throw new DomainError("ConflictException", `Project ${project} already exists in account ${accountId}.`);
  return { accountId, project };
}

export async function listProjects(db: Db, accountId: string): Promise<string[]> {
  const rows = await db.select({ name: projects.name }).from(projects).where(eq(projects.accountId, accountId)).orderBy(asc(projects.name));
  return rows.map((r) => r.name);
}

export async function requireProject(db: Db, accountId: string, project: string): Promise<void> {
  const rows = await db
    .select({ name: projects.name })
    .from(projects)
    .where(and(eq(projects.accountId, accountId), eq(projects.name, project)))
    .limit(1);
  if (rows.length === 0) throw new DomainError("NotFoundException", `Project ${project} does not exist in account ${accountId}.`);
}

// ---------- users ----------

export type UserRow = typeof users.$inferSelect;

/** Creates a console user; without a password one is generated. Returns the password once, in clear. */
export async function createUser(db: Db, accountId: string, userName: string, password?: string): Promise<{ user: string; password: string }> {
  validateUserName(userName);
  if (password !== undefined) validatePassword(password);
  await requireAccount(db, accountId);
  const clear = password ?? newPassword();
  const passwordHash = await Bun.password.hash(clear);
  const inserted = await db.insert(users).values({ accountId, name: userName, passwordHash }).onConflictDoNothing().returning({ id: users.id });
  if (inserted.length === 0) throw new DomainError("ConflictException", `User ${userName} already exists in account ${accountId}.`);
  return { user: userName, password: clear };
}

async function findUser(db: Db, accountId: string, userName: string): Promise<UserRow | undefined> {
  const rows = await db
    .select()
    .from(users)
    .where(and(eq(users.accountId, accountId), eq(users.name, userName)))
    .limit(1);
  return rows[0];
}

async function requireUser(db: Db, accountId: string, userName: string): Promise<UserRow> {
  await requireAccount(db, accountId);
  const user = await findUser(db, accountId, userName);
  if (!user) throw new DomainError("NotFoundException", `User ${userName} does not exist in account ${accountId}.`);
  return user;
}

// ---------- groups ----------

/** Adds the user to ActivityLogAdministrators of the project. Idempotent: `added` says whether it changed. */
export async function addToGroup(
  db: Db,
  accountId: string,
  userName: string,
  project: string,
  group: string = ADMIN_GROUP,
): Promise<{ user: string; project: string; group: string; added: boolean }> {
  const user = await requireUser(db, accountId, userName);
  await requireProject(db, accountId, project);
  const inserted = await db
    .insert(groupMembers)
    .values({ accountId, userId: user.id, project, groupName: group })
    .onConflictDoNothing()
    .returning({ project: groupMembers.project });
  return { user: userName, project, group, added: inserted.length > 0 };
}

/** Removes the membership. Idempotent: `removed` says whether there was one. */
export async function removeFromGroup(
  db: Db,
  accountId: string,
  userName: string,
  project: string,
  group: string = ADMIN_GROUP,
): Promise<{ user: string; project: string; group: string; removed: boolean }> {
  const user = await requireUser(db, accountId, userName);
  await requireProject(db, accountId, project);
  const deleted = await db
    .delete(groupMembers)
    .where(and(eq(groupMembers.userId, user.id), eq(groupMembers.project, project), eq(groupMembers.groupName, group)))
    .returning({ project: groupMembers.project });
  return { user: userName, project, group, removed: deleted.length > 0 };
}

// ---------- access keys ----------

export type AccessKeyPair = { AccessKeyId: string; SecretAccessKey: string };

/**
 * Issues a key pair for the user in the project, or imports an existing one (`imported`): the
 * cloud shares key pairs between its services, so a customer's object-storage key can be registered.
 */
export async function createAccessKey(
  db: Db,
  secrets: SecretBox,
  accountId: string,
  userName: string,
  project: string,
  imported?: { accessKeyId: string; secretAccessKey: string },
): Promise<AccessKeyPair> {
  if (imported) validateImportedKeyPair(imported);
  const user = await requireUser(db, accountId, userName);
  await requireProject(db, accountId, project);
  const pair = imported ?? { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
  const inserted = await db
    .insert(accessKeys)
    .values({
      accessKeyId: pair.accessKeyId,
      accountId,
      userId: user.id,
      project,
      secretEncrypted: secrets.encrypt(pair.secretAccessKey),
    })
    .onConflictDoNothing()
    .returning({ id: accessKeys.accessKeyId });
  if (inserted.length === 0) throw new DomainError("ConflictException", `Access key ${pair.accessKeyId} already exists.`);
  return { AccessKeyId: pair.accessKeyId, SecretAccessKey: pair.secretAccessKey };
}

export type FoundAccessKey = {
  accessKeyId: string;
  secretAccessKey: string;
  status: "Active" | "Inactive";
  caller: Caller;
};

/**
 * The key with its decrypted secret and its owner as a Caller; null when unknown (any account).
 * Revocation: a key of a disabled user is Inactive, whatever its own status.
 */
export async function findAccessKey(db: Db, secrets: SecretBox, accessKeyId: string): Promise<FoundAccessKey | null> {
  const rows = await db
    .select({ key: accessKeys, userDisabledAt: users.disabledAt })
    .from(accessKeys)
    .innerJoin(users, eq(users.id, accessKeys.userId))
    .where(eq(accessKeys.accessKeyId, accessKeyId))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const { key } = row;
  const caller = await loadCaller(db, key.userId, key.project, key.accessKeyId);
  const status = row.userDisabledAt === null ? key.status : "Inactive";
  return { accessKeyId: key.accessKeyId, secretAccessKey: secrets.decrypt(key.secretEncrypted), status, caller };
}

/** Deactivates or reactivates a key: it stops (or starts again) authenticating at the next request. */
export async function setAccessKeyStatus(
  db: Db,
  accountId: string,
  accessKeyId: string,
  status: "Active" | "Inactive",
): Promise<{ accessKeyId: string; userName: string; project: string; status: "Active" | "Inactive" }> {
  const updated = await db
    .update(accessKeys)
    .set({ status })
    .where(and(eq(accessKeys.accountId, accountId), eq(accessKeys.accessKeyId, accessKeyId)))
    .returning({ userId: accessKeys.userId, project: accessKeys.project });
  const row = updated[0];
  if (!row) throw new DomainError("NotFoundException", `Access key ${accessKeyId} does not exist in account ${accountId}.`);
  return { accessKeyId, userName: await userNameOf(db, row.userId), project: row.project, status };
}

/** Deletes a key for good; trails that delivered with it report the failure until they get another. */
export async function deleteAccessKey(db: Db, accountId: string, accessKeyId: string): Promise<{ accessKeyId: string; userName: string; project: string }> {
  const deleted = await db
    .delete(accessKeys)
    .where(and(eq(accessKeys.accountId, accountId), eq(accessKeys.accessKeyId, accessKeyId)))
    .returning({ userId: accessKeys.userId, project: accessKeys.project });
  const row = deleted[0];
  if (!row) throw new DomainError("NotFoundException", `Access key ${accessKeyId} does not exist in account ${accountId}.`);
  return { accessKeyId, userName: await userNameOf(db, row.userId), project: row.project };
}

async function userNameOf(db: Db, userId: string): Promise<string> {
  const rows = await db.select({ name: users.name }).from(users).where(eq(users.id, userId)).limit(1);
  return rows[0]?.name ?? "";
}

/**
 * Disables (or enables again) a user: while disabled, its keys are refused, its open sessions are
 * closed and it cannot sign in. Idempotent: `changed` says whether anything changed.
 */
export async function setUserDisabled(
  db: Db,
  accountId: string,
  userName: string,
  disabled: boolean,
  now: Date,
): Promise<{ user: string; status: "Disabled" | "Enabled"; changed: boolean; closedSessions: number }> {
  const user = await requireUser(db, accountId, userName);
  const changed = (user.disabledAt !== null) !== disabled;
  let closedSessions = 0;
  await db.transaction(async (tx) => {
    if (changed)
      await tx
        .update(users)
        .set({ disabledAt: disabled ? now : null })
        .where(eq(users.id, user.id));
    if (disabled) {
      const closed = await tx
        .update(sessions)
        .set({ closedAt: now })
        .where(and(eq(sessions.userId, user.id), isNull(sessions.closedAt)))
        .returning({ tokenHash: sessions.tokenHash });
      closedSessions = closed.length;
    }
  });
  return { user: userName, status: disabled ? "Disabled" : "Enabled", changed, closedSessions };
}

/** Deletes a user with its keys, sessions and group memberships. The system user stays. */
export async function deleteUser(db: Db, accountId: string, userName: string): Promise<{ user: string; deletedAccessKeys: string[] }> {
  const user = await requireUser(db, accountId, userName);
  if (user.isSystem) {
    throw new DomainError("ValidationException", `${userName} is the account's system user, which cannot be deleted; deactivate its access keys instead.`);
  }
  return db.transaction(async (tx) => {
    const keys = await tx.delete(accessKeys).where(eq(accessKeys.userId, user.id)).returning({ id: accessKeys.accessKeyId });
    await tx.delete(users).where(eq(users.id, user.id));
    return { user: userName, deletedAccessKeys: keys.map((k) => k.id).sort() };
  });
}

// ---------- callers ----------

/**
 * Everything access decisions need about a principal: its groups in every project and whether the
 * account's subscription is active. `project` is the access key's project; null for a console
 * session, which acts in the first project where the user is an administrator (else its first
 * group's project, else `default`). Throws when the user id is unknown (a dangling reference is a bug).
 */
export async function loadCaller(db: Db, userId: string, project: string | null, accessKeyId: string | null): Promise<Caller> {
  const rows = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  const user = rows[0];
  if (!user) throw new Error(`user ${userId} does not exist`);
  const groups = await db
    .select({ project: groupMembers.project, group: groupMembers.groupName })
    .from(groupMembers)
    .where(eq(groupMembers.userId, userId))
    .orderBy(asc(groupMembers.project), asc(groupMembers.groupName));
  return {
    accountId: user.accountId,
    userId: user.id,
    userName: user.name,
    isSystem: user.isSystem,
    project: project ?? consoleProject(groups),
    accessKeyId,
    groups,
    subscriptionActive: await isSubscriptionActive(db, user.accountId),
  };
}

/** The account a console sign-in names: by its alias only (as AWS's console sign-in page does). */
export async function findSignInAccount(db: Db, accountAlias: string): Promise<AccountRef | null> {
  return isAccountId(accountAlias) ? null : findAccount(db, accountAlias);
}

/**
 * The user a console sign-in names in its account, with the password hash to verify and the Caller
 * it would be. Null when the user is unknown; the system user is returned too (session.ts refuses it).
 */
export async function findSignInUser(db: Db, account: AccountRef, userName: string): Promise<{ user: UserRow; caller: Caller } | null> {
  const user = await findUser(db, account.accountId, userName);
  if (!user) return null;
  return { user, caller: await loadCaller(db, user.id, null, null) };
}

/** Both lookups of a console sign-in: null when the account or the user is unknown. */
export async function findUserForSignIn(db: Db, accountAlias: string, userName: string): Promise<{ user: UserRow; caller: Caller } | null> {
  const account = await findSignInAccount(db, accountAlias);
  return account ? findSignInUser(db, account, userName) : null;
}

/** Checks a console password; false for users without one (the system user). */
export async function verifyPassword(user: UserRow, password: string): Promise<boolean> {
  if (!user.passwordHash) return false;
  return Bun.password.verify(password, user.passwordHash);
}

// ---------- subscriptions ----------

export async function setSubscription(db: Db, accountId: string, active: boolean): Promise<{ accountId: string; subscription: "active" | "inactive" }> {
  await requireAccount(db, accountId);
  await db
    .insert(subscriptions)
    .values({ accountId, active })
    .onConflictDoUpdate({ target: subscriptions.accountId, set: { active, changedAt: new Date() } });
  return { accountId, subscription: active ? "active" : "inactive" };
}

/** An account without a subscription row (there should be none) counts as inactive. */
export async function isSubscriptionActive(db: Db, accountId: string): Promise<boolean> {
  const rows = await db.select({ active: subscriptions.active }).from(subscriptions).where(eq(subscriptions.accountId, accountId)).limit(1);
  return rows[0]?.active ?? false;
}

// ---------- quotas ----------

/** The account's effective quotas: core defaults with the operator's overrides on top. */
export async function getQuotas(db: Db, accountId: string): Promise<Quotas> {
  const rows = await db.select({ name: quotas.name, value: quotas.value }).from(quotas).where(eq(quotas.accountId, accountId));
  return effectiveQuotas(Object.fromEntries(rows.map((r) => [r.name, r.value])));
}

/** Every retentionDays override in force (core largestRetentionDays turns them into what partitions must serve). */
export async function retentionOverrides(db: Db): Promise<number[]> {
  const rows = await db.selectDistinct({ value: quotas.value }).from(quotas).where(eq(quotas.name, "retentionDays"));
  return rows.map((r) => r.value);
}

/** Stores an override; the name and value are checked by the caller with core's parseQuotaName/validateQuotaValue. */
export async function setQuota(db: Db, accountId: string, name: QuotaName, value: number): Promise<{ accountId: string; quota: QuotaName; value: number }> {
  await requireAccount(db, accountId);
  await db
    .insert(quotas)
    .values({ accountId, name, value })
    .onConflictDoUpdate({ target: [quotas.accountId, quotas.name], set: { value, updatedAt: new Date() } });
  return { accountId, quota: name, value };
}
