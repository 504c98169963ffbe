import { createHash } from "node:crypto";
import { DomainError, windowOf } from "@activity-log/core";
import { createAccessKey, createAccount, createProject, createUser, resolveAccount } from "../db/iam.ts";
import { nativeQuery } from "../db/rows.ts";
import { insertTrail, setTrailLogging, type TrailRow } from "../db/trails.ts";
import type { AppDeps } from "../deps.ts";
import { TEST_REGION } from "./config.ts";
import { T0 } from "./deps.ts";

/**
 * The 12-digit id the kit's fixtures give the account they create with `alias` (derived from it, so
 * a test can name an account's id before or without creating it; the service draws ids at random).
 */
export function testAccountId(alias: string): string {
  const n = BigInt(`0x${createHash("sha256").update(alias).digest("hex").slice(0, 15)}`) % 10n ** 12n;
  return n.toString().padStart(12, "0");
}

/** An account (alias `alias`, id testAccountId(alias)) with a user whose key writes the trail's bucket. */
export async function seedAccountWithKey(deps: AppDeps, alias: string, key?: { accessKeyId: string; secretAccessKey: string }) {
  const { accountId } = await createAccount(deps.database.db, alias, { accountId: testAccountId(alias) });
  await createUser(deps.database.db, accountId, "alice");
  const pair = await createAccessKey(deps.database.db, deps.secrets, accountId, "alice", "default", key);
  return { accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey, accountId };
}

/**
 * An account as the IAM module makes it (default project, system user), with the given projects
 * and users (generated passwords), each created unless it exists: tests that share an account
 * which none of them changes each call this with what they rely on.
 */
export async function ensureAccount(deps: Pick<AppDeps, "database">, alias: string, has: { projects?: string[]; users?: string[] } = {}): Promise<string> {
  const db = deps.database.db;
  const unlessExists = (e: unknown) => {
    if (!(e instanceof DomainError && e.code === "ConflictException")) throw e;
  };
  await createAccount(db, alias, { accountId: testAccountId(alias) }).catch(unlessExists);
  const { accountId } = await resolveAccount(db, alias);
  for (const project of has.projects ?? []) await createProject(db, accountId, project).catch(unlessExists);
  for (const user of has.users ?? []) await createUser(db, accountId, user).catch(unlessExists);
  return accountId;
}

/** A logging trail (with log file validation unless told otherwise) whose cursor starts at the window holding `startAt`. */
export async function seedTrail(
  deps: AppDeps,
  t: { accountId: string; name: string; bucket: string; accessKeyId: string; prefix?: string; startAt?: Date; logFileValidation?: boolean },
): Promise<TrailRow> {
  const row = await insertTrail(
    deps.database.db,
    {
      accountId: t.accountId,
      name: t.name,
      region: TEST_REGION,
      project: "default",
      bucket: t.bucket,
      prefix: t.prefix ?? "",
      accessKeyId: t.accessKeyId,
      logFileValidation: t.logFileValidation ?? true,
    },
    10,
  );
  const start = t.startAt ?? T0;
  return (await setTrailLogging(deps.database.db, t.accountId, t.name, true, start, windowOf(start).start)) ?? row;
}

/**
 * An account (id testAccountId(alias)) and projects inserted directly, without the IAM module (no
 * system user, no quotas): for tests of the events area. Returns the id.
 */
export async function seedAccount(deps: Pick<AppDeps, "database">, alias: string, projects: string[] = ["default"]): Promise<string> {
  const accountId = testAccountId(alias);
  await nativeQuery(deps.database, `insert into accounts (id, alias) values ($1, $2) on conflict do nothing`, [accountId, alias]);
  for (const p of projects) await nativeQuery(deps.database, `insert into projects (account_id, name) values ($1, $2) on conflict do nothing`, [accountId, p]);
  return accountId;
}
