// `aws cloudtrail validate-logs` — the AWS CLI's own checker, which nobody on our side wrote —
// against a trail whose archives and hourly digests the worker wrote (deliverTrails, the trail
// step of `worker --once --now`), in the s3rver bucket: it passes on the intact trail and fails,
// non-zero, once a byte of an archive changes, an archive is deleted or a digest is deleted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listDeliveries, listDigests, nativeQuery } from "@activity-log/api/db";
import {
  createTestUser,
  ingest,
  readObject,
  runAwsCli,
  skipWithoutAwsCli,
  startTestServer,
  TEST_REGION,
  type TestServer,
  type TestUser,
  testEvent,
} from "@activity-log/api/test-kit";
import { deliverTrails } from "./trails.ts";

const HOUR = 3_600_000;
const BUCKET = "validated-trail";

let h: TestServer;
let admin: TestUser;
let arn: string;
let startTime: string;
let dataPath: string;

/**
 * Points the CLI's S3 client at s3rver. CLIs from 2.13 / 1.29 honour AWS_ENDPOINT_URL_S3; older ones
 * (Debian 12 ships 2.9) do not, so their S3 endpoint rules are overridden through AWS_DATA_PATH,
 * the botocore data search path (the bucket goes in the path, as path-style addressing has it).
 */
function s3EndpointRules(dir: string, url: string): void {
  const folder = join(dir, "s3", "2006-03-01");
  mkdirSync(folder, { recursive: true });
  const endpoint = (u: string) => ({ endpoint: { url: u, properties: {}, headers: {} }, type: "endpoint" });
  writeFileSync(
    join(folder, "endpoint-rule-set-1.json"),
    JSON.stringify({
      version: "1.0",
      parameters: { Bucket: { required: false, documentation: "The bucket.", type: "String" } },
      rules: [
        { conditions: [{ fn: "isSet", argv: [{ ref: "Bucket" }] }], ...endpoint(`${url}/{Bucket}`) },
        { conditions: [], ...endpoint(url) },
      ],
    }),
  );
}

const aws = (args: string[]) =>
  runAwsCli(["cloudtrail", ...args, "--region", TEST_REGION, "--endpoint-url", h.url], admin, { AWS_ENDPOINT_URL_S3: h.s3!.endpoint, AWS_DATA_PATH: dataPath });

const validateLogs = () => aws(["validate-logs", "--trail-arn", arn, "--start-time", startTime, "--verbose"]);

describe.skipIf(skipWithoutAwsCli)("aws cloudtrail validate-logs", () => {
  beforeAll(async () => {
    h = await startTestServer({ storage: "s3rver" });
    dataPath = join(h.dataDir, "aws-data");
    s3EndpointRules(dataPath, h.s3!.endpoint);
    admin = await createTestUser(h, "validated", "alice");
    await h.createBucket(BUCKET);
    const created = await aws(["create-trail", "--name", "audit", "--s3-bucket-name", BUCKET, "--enable-log-file-validation", "--output", "json"]);
    expect(created.stderr).toBe("");
    const trail = JSON.parse(created.stdout) as { TrailARN: string; LogFileValidationEnabled: boolean };
    expect(trail.LogFileValidationEnabled).toBe(true);
    arn = trail.TrailARN;
    expect(arn).toMatch(/^arn:aws:cloudtrail:[^:]+:\d{12}:trail\/audit$/);
    expect((await aws(["start-logging", "--name", "audit"])).status).toBe(0);

    // Three whole hours of windows before this one: the trail started logging at their start.
    const now = new Date();
    const from = new Date(Math.floor(now.getTime() / HOUR) * HOUR - 3 * HOUR);
    startTime = from.toISOString();
    await nativeQuery(h.deps.database, `update trails set start_logging_time = $1, next_window_start = $1 where account_id = $2`, [
      from.toISOString(),
      admin.accountId,
    ]);
    const events = [5, 35, 65, 130, 150].map((minutes) => testEvent(admin.accountId, new Date(from.getTime() + minutes * 60_000)));
    await ingest(h.deps.database, events);
    await deliverTrails(h.deps, now, { settleMs: 0 });
  }, 600_000);
  afterAll(async () => {
    await h?.close();
  });

  const trailId = async () => {
    const [row] = await nativeQuery<{ id: string }>(h.deps.database, `select id from trails where account_id = $1 and name = 'audit'`, [admin.accountId]);
    return row!.id;
  };
  const archives = async () => (await listDeliveries(h.deps.database, await trailId())).filter((d) => d.status === "delivered").map((d) => d.objectKey!);

  test("passes on the intact trail: three hourly digests (one without archives) and every archive", async () => {
    expect((await listDigests(h.deps.database, await trailId())).map((d) => d.archiveCount)).toEqual([2, 1, 2]);
    const r = await validateLogs();
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/\n([2-9])\/\1 digest files valid\n/);
    expect(r.stdout).toMatch(/\n([3-9])\/\1 log files valid\n/);
    expect(r.stdout).not.toContain("INVALID");
    expect(r.status).toBe(0);
  }, 300_000);

  test("fails when one byte of an archive changes", async () => {
    const [key] = await archives();
    const original = await readObject(h.deps.storage.service(), BUCKET, key!);
    const altered = new Uint8Array(original);
    altered[altered.length - 12]! ^= 0x01;
    await h.deps.storage.service().put(BUCKET, key!, altered);
    try {
      const r = await validateLogs();
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`s3://${BUCKET}/${key}\tINVALID`);
      expect(r.stdout).toMatch(/, 1\/\d log files INVALID/);
    } finally {
      await h.deps.storage.service().put(BUCKET, key!, original);
    }
  }, 300_000);

  test("fails when an archive is deleted", async () => {
    const key = (await archives())[2]!;
    const original = await readObject(h.deps.storage.service(), BUCKET, key);
    await h.deps.storage.service().delete(BUCKET, key);
    try {
      const r = await validateLogs();
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`Log file\ts3://${BUCKET}/${key}\tINVALID: not found`);
    } finally {
      await h.deps.storage.service().put(BUCKET, key, original);
    }
  }, 300_000);

  test("fails when a digest is deleted", async () => {
    const digests = await listDigests(h.deps.database, await trailId());
    const key = digests[1]!.objectKey;
    await h.deps.storage.service().delete(BUCKET, key);
    const r = await validateLogs();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Digest file\ts3://${BUCKET}/${key}\tINVALID: not found`);
  }, 300_000);
});
