import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createSecretBox } from "@activity-log/api/auth/secret-box";
import { fixedClock } from "@activity-log/api/clock";
import type { Config } from "@activity-log/api/config";
import type { Database } from "@activity-log/api/db/client";
import { insertEvents } from "@activity-log/api/db/events";
import { createAccessKey, createAccount, createUser } from "@activity-log/api/db/iam";
import { insertTrail, setTrailLogging, type TrailRow } from "@activity-log/api/db/trails";
import type { AppDeps } from "@activity-log/api/deps";
import { silentLogger } from "@activity-log/api/logger";
import { activeAccessKeyCheck } from "@activity-log/api/storage/index";
import { createLocalStorage } from "@activity-log/api/storage/local";
import { createS3Storage } from "@activity-log/api/storage/s3";
import type { ObjectStorage } from "@activity-log/api/storage/object-store";
import { createTestDatabase } from "@activity-log/api/test/database";
import { windowOf } from "@activity-log/core/trail";
import type { StoredEvent } from "@activity-log/core/event";
import { searchTextOf } from "@activity-log/core/event";

/** Test scaffolding for the worker: real database (PGlite or DATABASE_URL), real object stores. */

export const T0 = new Date("2026-11-24T10:00:00Z");
export const REGION = "ru-msk";

export type TestDeps = AppDeps & { clock: ReturnType<typeof fixedClock>; cleanup(): Promise<void> };

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    dataDir,
    databaseUrl: undefined,
    s3Endpoint: undefined,
    s3Region: "us-east-1",
    s3ForcePathStyle: true,
    reportsBucket: "activity-log-reports",
    reportsAccessKeyId: undefined,
    reportsSecretAccessKey: undefined,
    secretKey: "test-secret-key-0123456789",
    ingestToken: "ingest-token-0123456789",
    operatorToken: "operator-token-0123456789",
    region: REGION,
    demo: false,
    ...overrides,
  };
}

/** Deps over a fresh test database and the local object store in a temp directory. */
export async function localDeps(now = T0): Promise<TestDeps> {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "al-worker-"));
  const config = testConfig(dir);
  const secrets = createSecretBox(config.secretKey);
  const storage = createLocalStorage(join(dir, "objects"), activeAccessKeyCheck(database, secrets));
  return {
    database,
    storage,
    clock: fixedClock(now),
    config,
    logger: silentLogger,
    secrets,
    async cleanup() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface S3rverHandle {
  endpoint: string;
  storage: ObjectStorage & { destroy(): void };
  /** Registers a key pair with the server (it checks key ids only). */
  addKey(id: string, secret: string): void;
  removeKey(id: string): void;
  close(): Promise<void>;
}

/** An s3rver on a free port, speaking the real S3 protocol, with a storage client for it. */
export async function startS3rver(serviceKey = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }): Promise<S3rverHandle> {
  const { default: S3rver } = (await import("s3rver")) as unknown as { default: new (o: object) => S3rverLike };
  const AWSAccount = (await import("s3rver/lib/models/account.js")) as unknown as AccountModule;
  const directory = mkdtempSync(join(tmpdir(), "al-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const storage = createS3Storage({ endpoint, region: "us-east-1", forcePathStyle: true, serviceCredentials: serviceKey });
  const account = AWSAccount.DUMMY_ACCOUNT ?? AWSAccount.default?.DUMMY_ACCOUNT;
  return {
    endpoint,
    storage,
    addKey: (id, secret) => account!.createKeyPair(id, secret),
    removeKey: (id) => account!.revokeAccessKey(id),
    async close() {
      storage.destroy();
      server.httpServer?.closeAllConnections?.();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

interface S3rverLike {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?(): void };
}
interface AccountLike {
  createKeyPair(id: string, secret: string): void;
  revokeAccessKey(id: string): void;
}
type AccountModule = { DUMMY_ACCOUNT?: AccountLike; default?: { DUMMY_ACCOUNT: AccountLike } };

/** An account with a user whose key writes the trail's bucket. */
export async function seedAccountWithKey(deps: AppDeps, accountId: string, key?: { accessKeyId: string; secretAccessKey: string }) {
  await createAccount(deps.database.db, accountId);
  await createUser(deps.database.db, accountId, "alice");
  const pair = await createAccessKey(deps.database.db, deps.secrets, accountId, "alice", "default", key);
  return { accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey };
}

/** A logging trail whose cursor starts at the window holding `startAt`. */
export async function seedTrail(
  deps: AppDeps,
  t: { accountId: string; name: string; bucket: string; accessKeyId: string; prefix?: string; startAt?: Date },
): Promise<TrailRow> {
  const row = await insertTrail(
    deps.database.db,
    { accountId: t.accountId, name: t.name, region: REGION, project: "default", bucket: t.bucket, prefix: t.prefix ?? "", accessKeyId: t.accessKeyId },
    10,
  );
  const start = t.startAt ?? T0;
  return (await setTrailLogging(deps.database.db, t.accountId, t.name, true, start, windowOf(start).start)) ?? row;
}

let counter = 0;

/** A stored event (the columns ingest would fill). */
export function event(accountId: string, at: Date | string, over: Partial<StoredEvent> = {}): StoredEvent {
  const n = ++counter;
  const base = {
    eventId: `ev-${String(n).padStart(6, "0")}-${Math.random().toString(36).slice(2, 8)}`,
    accountId,
    project: "default",
    eventTime: typeof at === "string" ? new Date(at) : at,
    eventName: "RunInstances",
    eventType: "AwsApiCall" as const,
    eventSource: "ec2.amazonaws.com",
    readOnly: false,
    userName: "alice",
    accessKeyId: null,
    sourceIp: "10.0.0.1",
    userAgent: "aws-cli/2",
    requestId: `req-${n}`,
    errorCode: null,
    errorMessage: null,
    requestParameters: { instanceId: `i-${n}` },
    responseElements: null,
    additionalEventData: null,
    resources: [],
    resourceIds: [],
    ...over,
  };
  return { ...base, searchText: searchTextOf(base) };
}

export async function ingest(database: Database, events: StoredEvent[]): Promise<void> {
  await insertEvents(database, events);
}

/** The `{"Records":[…]}` inside a tar.gz archive, read back with Bun.Archive. */
export async function readArchive(bytes: Uint8Array): Promise<{ names: string[]; records: Record<string, unknown>[] }> {
  const files = await new Bun.Archive(bytes).files();
  const names = [...files.keys()];
  const records: Record<string, unknown>[] = [];
  for (const f of files.values()) records.push(...(JSON.parse(await f.text()) as { Records: Record<string, unknown>[] }).Records);
  return { names, records };
}

export async function readObject(store: ReturnType<ObjectStorage["service"]>, bucket: string, key: string): Promise<Uint8Array> {
  const got = await store.get(bucket, key);
  if (!got) throw new Error(`no object ${key}`);
  return new Uint8Array(await new Response(got.body).arrayBuffer());
}
