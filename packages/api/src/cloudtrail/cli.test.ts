// The AWS CLI (Debian's awscli) against a running server: it signs differently from the JS SDK
// (long X-Amz-Target, four signed headers, no content hash) and must work unchanged.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { recordEvent } from "../record.ts";
import { createTestUser, runAwsCli, skipWithoutAwsCli, startTestServer, TEST_REGION, type TestServer, type TestUser } from "../test-kit/index.ts";

let h: TestServer;
let admin: TestUser;

const aws = (args: string[], key: TestUser = admin) =>
  runAwsCli(["--endpoint-url", h.url, "--region", TEST_REGION, "--output", "json", "cloudtrail", ...args], key);

describe.skipIf(skipWithoutAwsCli)("aws cloudtrail", () => {
  beforeAll(async () => {
    h = await startTestServer({ storage: "s3rver" });
    admin = await createTestUser(h, "acme", "alice");
    await h.createBucket("acme-cli-audit");
    const base = Date.now() - 30 * 60_000;
    for (const [i, eventName] of ["RunInstances", "StopInstances", "StopInstances"].entries()) {
      await recordEvent(h.deps, {
        accountId: admin.accountId,
        project: "default",
        userName: "dave",
        eventName,
        eventSource: "ec2.amazonaws.com",
        eventTime: new Date(base + i * 60_000),
        resources: [{ type: "AWS::EC2::Instance", name: "i-0abc" }],
      });
    }
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  }, 30_000);

  test("lookup-events with attributes", async () => {
    const out = await aws([
      "lookup-events",
      "--lookup-attributes",
      "AttributeKey=EventName,AttributeValue=StopInstances",
      "AttributeKey=ResourceName,AttributeValue=i-0abc",
      "--page-size",
      "1",
    ]);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    // The CLI pages by itself: both StopInstances events arrive although each page holds one.
    const events = (JSON.parse(out.stdout) as { Events: { EventName: string; Username: string }[] }).Events;
    expect(events.map((e) => [e.EventName, e.Username])).toEqual([
      ["StopInstances", "dave"],
      ["StopInstances", "dave"],
    ]);
  }, 60_000);

  test("create-trail, start-logging, get-trail-status", async () => {
    const created = await aws(["create-trail", "--name", "cli-trail", "--s3-bucket-name", "acme-cli-audit", "--s3-key-prefix", "audit"]);
    expect(created.stderr).toBe("");
    expect(JSON.parse(created.stdout)).toMatchObject({
      Name: "cli-trail",
      TrailARN: `arn:aws:cloudtrail:${TEST_REGION}:${admin.accountId}:trail/cli-trail`,
      S3KeyPrefix: "audit",
    });
    expect((await aws(["start-logging", "--name", "cli-trail"])).status).toBe(0);
    const status = await aws(["get-trail-status", "--name", "cli-trail"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ IsLogging: true });
  }, 60_000);

  test("errors reach the CLI with their AWS code", async () => {
    // An account of its own, whose trail cli-trail this test creates before creating it again.
    const own = await createTestUser(h, "cli-errors", "alice");
    await aws(["create-trail", "--name", "cli-trail", "--s3-bucket-name", "acme-cli-audit"], own);
    const duplicate = await aws(["create-trail", "--name", "cli-trail", "--s3-bucket-name", "acme-cli-audit"], own);
    expect(duplicate.status).not.toBe(0);
    expect(duplicate.stderr).toContain("TrailAlreadyExistsException");
    const missing = await aws(["create-trail", "--name", "other-trail", "--s3-bucket-name", "acme-no-bucket"], own);
    expect(missing.stderr).toContain("S3BucketDoesNotExistException");
    const wrongSecret = await aws(["lookup-events"], { ...own, secretAccessKey: "wrong-secret-wrong-secret" });
    expect(wrongSecret.stderr).toContain("InvalidSignatureException");
  }, 60_000);
});
