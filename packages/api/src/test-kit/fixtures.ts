import { DomainError, windowOf } from "@activity-log/core";
import { createAccessKey, createAccount, createProject, createUser } from "../db/iam.ts";
import { nativeQuery } from "../db/rows.ts";
import { insertTrail, setTrailLogging, type TrailRow } from "../db/trails.ts";
import type { AppDeps } from "../deps.ts";
import { TEST_REGION } from "./config.ts";
import { T0 } from "./deps.ts";

/** An account with a user whose key writes the trail's bucket. */
export async function seedAccountWithKey(deps: AppDeps, accountId: string, key?: { accessKeyId: string; secretAccessKey: string }) {
  await createAccount(deps.database.db, accountId);
  await createUser(deps.database.db, accountId, "alice");
  const pair = await createAccessKey(deps.database.db, deps.secrets, accountId, "alice", "default", key);
  return { accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey };
}

/**
 * An account as the IAM module makes it (default project, system user), with the given projects
 * and users (generated passwords), each created unless it exists: tests that share an account
 * which none of them changes each call this with what they rely on.
 */
export async function ensureAccount(deps: Pick<AppDeps, "database">, accountId: string, has: { projects?: string[]; users?: string[] } = {}): Promise<void> {
  const db = deps.database.db;
  const unlessExists = (e: unknown) => {
    if (!(e instanceof DomainError && e.code === "ConflictException")) throw e;
  };
  await createAccount(db, accountId).catch(unlessExists);
  for (const project of has.projects ?? []) await createProject(db, accountId, project).catch(unlessExists);
  for (const user of has.users ?? []) await createUser(db, accountId, user).catch(unlessExists);
}

/** A logging trail whose cursor starts at the window holding `startAt`. */
export async function seedTrail(
  deps: AppDeps,
  t: { accountId: string; name: string; bucket: string; accessKeyId: string; prefix?: string; startAt?: Date },
): Promise<TrailRow> {
  const row = await insertTrail(
    deps.database.db,
    { accountId: t.accountId, name: t.name, region: TEST_REGION, project: "default", bucket: t.bucket, prefix: t.prefix ?? "", accessKeyId: t.accessKeyId },
    10,
  );
  const start = t.startAt ?? T0;
  return (await setTrailLogging(deps.database.db, t.accountId, t.name, true, start, windowOf(start).start)) ?? row;
}

/** Accounts and projects inserted directly, without the IAM module (no system user, no quotas): for tests of the events area. */
export async function seedAccount(deps: Pick<AppDeps, "database">, accountId: string, projects: string[] = ["default"]): Promise<void> {
  await nativeQuery(deps.database, `insert into accounts (id) values ($1) on conflict do nothing`, [accountId]);
  for (const p of projects) await nativeQuery(deps.database, `insert into projects (account_id, name) values ($1, $2) on conflict do nothing`, [accountId, p]);
}
