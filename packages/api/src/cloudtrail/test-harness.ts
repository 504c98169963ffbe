/**
 * A running service for CloudTrail API tests: a fresh test database, object storage (s3rver on a
 * random port, or the local directory store), createApp with real parts, Bun.serve on port 0.
 * Tests talk to it with real clients (@aws-sdk/client-cloudtrail, the aws CLI).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import { createApp } from "../app.ts";
import { createSecretBox } from "../auth/secret-box.ts";
import { systemClock, type Clock } from "../clock.ts";
import { loadConfig } from "../config.ts";
import type { Database } from "../db/client.ts";
import { addToGroup, createAccessKey, createAccount, createUser } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import { silentLogger } from "../logger.ts";
import { createStorage } from "../storage/index.ts";
import type { RateLimit } from "./rate-limit.ts";
import type { ObjectStorage } from "../storage/object-store.ts";
import { createTestDatabase } from "../test-kit/database.ts";

export interface Harness {
  url: string;
  deps: AppDeps;
  /** The S3 endpoint (s3rver) or undefined for the local directory store. */
  s3Endpoint?: string;
  dataDir: string;
  /** Creates the bucket in object storage (as its owner would). */
  createBucket(bucket: string): Promise<void>;
  /** Lets object storage know a key pair (s3rver's account registry; the local store knows all Active keys). */
  registerStorageKey(pair: { AccessKeyId: string; SecretAccessKey: string }): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  storage: "s3rver" | "local";
  clock?: Clock;
  database?: Database;
  rateLimit?: RateLimit;
}

export const TEST_REGION = "ru-msk";

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "al-cloudtrail-"));
  let s3rver: { run(): Promise<{ port: number }>; close(): Promise<void>; httpServer: { closeAllConnections(): void } } | undefined;
  let s3Endpoint: string | undefined;
  if (options.storage === "s3rver") {
    s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: join(dataDir, "s3rver") });
    const { port } = await s3rver!.run();
    s3Endpoint = `http://127.0.0.1:${port}`;
  }
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET_KEY: "test-secret-key-0123456789abcdef",
    INGEST_TOKEN: "test-ingest-token-0123456789",
    OPERATOR_TOKEN: "test-operator-token-0123456789",
    REGION: TEST_REGION,
    ...(s3Endpoint ? { S3_ENDPOINT: s3Endpoint, REPORTS_ACCESS_KEY_ID: "S3RVER", REPORTS_SECRET_ACCESS_KEY: "S3RVER" } : {}),
    DEMO: "0",
  });
  const database = options.database ?? (await createTestDatabase());
  const secrets = createSecretBox(config.secretKey);
  const storage: ObjectStorage & { destroy?: () => void } = createStorage(config, database, secrets);
  const deps: AppDeps = {
    database,
    storage,
    clock: options.clock ?? systemClock,
    config,
    logger: silentLogger,
    secrets,
    // Tests fire dozens of calls a second from one account; the throttling test sets its own.
    cloudtrailRateLimit: options.rateLimit ?? { ratePerSecond: 10_000, burst: 10_000 },
  };
  const app = createApp(deps);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => app.fetch(request) });
  const adminS3 = s3Endpoint
    ? new S3Client({ endpoint: s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } })
    : undefined;
  return {
    url: `http://127.0.0.1:${server.port}`,
    deps,
    s3Endpoint,
    dataDir,
    async createBucket(bucket) {
      if (adminS3) await adminS3.send(new CreateBucketCommand({ Bucket: bucket }));
      else await storage.service().createBucket(bucket);
    },
    registerStorageKey(pair) {
      if (s3rver) AWSAccount.DUMMY_ACCOUNT.createKeyPair(pair.AccessKeyId, pair.SecretAccessKey);
    },
    async close() {
      server.stop(true);
      adminS3?.destroy();
      storage.destroy?.();
      if (s3rver) {
        s3rver.httpServer.closeAllConnections();
        await s3rver.close();
      }
      if (!options.database) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  accountId: string;
  userName: string;
  project: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** An account (created if new) with a user, optionally in ActivityLogAdministrators, and a key pair. */
export async function createTestUser(
  harness: Harness,
  accountId: string,
  userName: string,
  options: { admin?: boolean; project?: string; registerInStorage?: boolean } = {},
): Promise<TestUser> {
  const db = harness.deps.database.db;
  const project = options.project ?? "default";
  await createAccount(db, accountId).catch((error: Error) => {
    if (!/exists/i.test(error.message)) throw error;
  });
  await createUser(db, accountId, userName);
  if (options.admin ?? true) await addToGroup(db, accountId, userName, project);
  const pair = await createAccessKey(db, harness.deps.secrets, accountId, userName, project);
  if (options.registerInStorage ?? true) harness.registerStorageKey(pair);
  return { accountId, userName, project, accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey };
}

/** A real CloudTrail client for a user; no retries, so every error reaches the test as sent. */
export function cloudTrailClient(
  harness: Harness,
  credentials: { accessKeyId: string; secretAccessKey: string },
  extra: { systemClockOffset?: number } = {},
): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: harness.url,
    region: TEST_REGION,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1,
    ...extra,
  });
}
