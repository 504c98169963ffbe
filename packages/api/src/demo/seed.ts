/**
 * The demo account `bun run start` seeds into an empty database (unless DEMO=0): projects, users,
 * an administrator with a printed password and key, and a month of traffic (traffic.ts). The
 * credentials are also kept in $DATA_DIR/demo-credentials.json (0600) so later starts can print them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DomainError } from "@activity-log/core";
import { insertEvents } from "../db/events.ts";
import { addToGroup, createAccessKey, createAccount, createProject, createUser, findAccessKey, hasNoAccounts } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import { createProjectBucket } from "../trails/buckets.ts";
import { generateDemoTraffic } from "./traffic.ts";

const DEMO_ALIAS = "demo";
const DEMO_ADMIN = "admin";
/** An empty bucket, so `create-trail` works out of the box in the demo. */
const DEMO_BUCKET = "demo-audit-archive";
const BATCH = 2_000;

export interface DemoCredentials {
  /** The alias, typed at console sign-in. */
  account: string;
  /** The 12-digit id (in ARNs and events). */
  accountId: string;
  user: string;
  password: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The project the access key belongs to. */
  project: string;
}

export interface DemoSeedOptions {
  seed?: number;
  /** Multiplies the random traffic (1 ≈ 25,000 events); tests use a small value. */
  scale?: number;
}

/**
 * Seeds the demo account when the demo is enabled and the database has no account yet.
 * Returns the admin's credentials, or null when nothing was seeded.
 */
export async function seedDemo(deps: AppDeps, options: DemoSeedOptions = {}): Promise<(DemoCredentials & { events: number }) | null> {
  const db = deps.database.db;
  if (!deps.config.demo || !(await hasNoAccounts(db))) return null;
  let accountId: string;
  try {
    accountId = (await createAccount(db, DEMO_ALIAS)).accountId;
  } catch (e) {
    // Another process seeding at the same moment won the race: its demo stands.
    if (e instanceof DomainError && e.code === "ConflictException") return null;
    throw e;
  }
  await createProject(db, accountId, "production");
  await createProject(db, accountId, "staging");
  const admin = await createUser(db, accountId, DEMO_ADMIN);
  await addToGroup(db, accountId, DEMO_ADMIN, "default");
  for (const user of ["alice", "bob", "carol", "deploy-bot"]) await createUser(db, accountId, user);
  await addToGroup(db, accountId, "alice", "production");
  await addToGroup(db, accountId, "deploy-bot", "production");
  const adminKey = await createAccessKey(db, deps.secrets, accountId, DEMO_ADMIN, "default");
  const botProduction = await createAccessKey(db, deps.secrets, accountId, "deploy-bot", "production");
  const botStaging = await createAccessKey(db, deps.secrets, accountId, "deploy-bot", "staging");

  const events = generateDemoTraffic({
    accountId: accountId,
    now: deps.clock.now(),
    seed: options.seed,
    scale: options.scale,
    accessKeys: { admin: adminKey.AccessKeyId, deployBotProduction: botProduction.AccessKeyId, deployBotStaging: botStaging.AccessKeyId },
  });
  for (let i = 0; i < events.length; i += BATCH) await insertEvents(deps.database, events.slice(i, i + BATCH));
  // The demo's own bucket, owned by its default project (with S3_ENDPOINT, made with the service's key as before).
  await (deps.config.s3Endpoint ? deps.storage.service().createBucket(DEMO_BUCKET) : createProjectBucket(deps, accountId, "default", DEMO_BUCKET)).catch(
    (e: unknown) => {
      deps.logger.warn("could not create the demo bucket", { bucket: DEMO_BUCKET, error: String(e) });
    },
  );

  const credentials: DemoCredentials = {
    account: DEMO_ALIAS,
    accountId: accountId,
    user: DEMO_ADMIN,
    password: admin.password,
    accessKeyId: adminKey.AccessKeyId,
    secretAccessKey: adminKey.SecretAccessKey,
    project: "default",
  };
  saveDemoCredentials(deps.config.dataDir, credentials);
  return { ...credentials, events: events.length };
}

const credentialsFile = (dataDir: string) => join(dataDir, "demo-credentials.json");

function saveDemoCredentials(dataDir: string, credentials: DemoCredentials): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(credentialsFile(dataDir), JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

/** The credentials saved by an earlier seed, if that demo account is still in this database. */
export async function loadDemoCredentials(deps: AppDeps): Promise<DemoCredentials | null> {
  const file = credentialsFile(deps.config.dataDir);
  if (!existsSync(file)) return null;
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as DemoCredentials;
    // The same DATA_DIR may have served another database: trust the file only if its key is here.
    const key = await findAccessKey(deps.database.db, deps.secrets, saved.accessKeyId);
    return key?.caller.accountId === saved.accountId && key.secretAccessKey === saved.secretAccessKey ? saved : null;
  } catch {
    return null;
  }
}
