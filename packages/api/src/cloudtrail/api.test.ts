// The CloudTrail API driven by the real JS SDK against a running server with s3rver buckets:
// the trail lifecycle, LookupEvents paging, authorisation and every trail error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  ListPublicKeysCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { createHash, createPublicKey, verify } from "node:crypto";
import { setQuota, setSubscription } from "../db/iam.ts";
import { digestSigner } from "../trails/signing-keys.ts";
import { recordEvent } from "../record.ts";
import { cloudTrailClient, createTestUser, errorOf, startTestServer, TEST_REGION, type TestServer, type TestUser, testAccountId } from "../test-kit/index.ts";

let h: TestServer;
let admin: TestUser;
let ct: CloudTrailClient;
const clients: CloudTrailClient[] = [];

/** A client for a new administrator of `accountId` (created if new), destroyed after the file. */
async function clientOf(accountId: string, userName = "alice"): Promise<CloudTrailClient> {
  const client = cloudTrailClient(h, await createTestUser(h, accountId, userName));
  clients.push(client);
  return client;
}

beforeAll(async () => {
  h = await startTestServer({ storage: "s3rver" });
  admin = await createTestUser(h, "acme", "alice");
  ct = cloudTrailClient(h, admin);
  await h.createBucket("acme-audit");
  await h.createBucket("acme-audit-2");
}, 60_000);

afterAll(async () => {
  ct?.destroy();
  for (const client of clients) client.destroy();
  await h?.close();
}, 30_000);

describe("trail lifecycle", () => {
  // Each test works in an account of its own, on that account's trail "audit".
  const arnOf = (alias: string) => `arn:aws:cloudtrail:${TEST_REGION}:${testAccountId(alias)}:trail/audit`;

  /** A new account's client and its trail "audit" (acme-audit, prefix "logs"), created but not logging. */
  async function withTrail(accountId: string): Promise<{ ct: CloudTrailClient; arn: string }> {
    const ct = await clientOf(accountId);
    await ct.send(new CreateTrailCommand({ Name: "audit", S3BucketName: "acme-audit", S3KeyPrefix: "logs" }));
    return { ct, arn: arnOf(accountId) };
  }

  test("CreateTrail checks the bucket and answers the trail, not logging yet", async () => {
    const ct = await clientOf("lc-create");
    const arn = arnOf("lc-create");
    const created = await ct.send(new CreateTrailCommand({ Name: "audit", S3BucketName: "acme-audit", S3KeyPrefix: "logs" }));
    // The id in the ARN is the account's 12-digit id; log file validation is off unless asked for (as AWS).
    expect(arn).toMatch(/^arn:aws:cloudtrail:[^:]+:\d{12}:trail\/audit$/);
    expect(created).toMatchObject({
      Name: "audit",
      S3BucketName: "acme-audit",
      S3KeyPrefix: "logs",
      TrailARN: arn,
      IsMultiRegionTrail: false,
      LogFileValidationEnabled: false,
    });
    const status = await ct.send(new GetTrailStatusCommand({ Name: "audit" }));
    expect(status.IsLogging).toBe(false);
    expect(status.StartLoggingTime).toBeUndefined();
  });

  test("GetTrail, DescribeTrails and ListTrails show it, by name or ARN", async () => {
    const { ct, arn } = await withTrail("lc-show");
    const { Trail } = await ct.send(new GetTrailCommand({ Name: arn }));
    expect(Trail).toMatchObject({ Name: "audit", HomeRegion: TEST_REGION, TrailARN: arn, S3KeyPrefix: "logs" });
    const all = await ct.send(new DescribeTrailsCommand({}));
    expect(all.trailList?.map((t) => t.Name)).toEqual(["audit"]);
    const named = await ct.send(new DescribeTrailsCommand({ trailNameList: [arn, "missing"], includeShadowTrails: true }));
    expect(named.trailList?.map((t) => t.TrailARN)).toEqual([arn]);
    const none = await ct.send(new DescribeTrailsCommand({ trailNameList: ["missing"] }));
    expect(none.trailList).toEqual([]);
    const list = await ct.send(new ListTrailsCommand({}));
    expect(list.Trails).toEqual([{ TrailARN: arn, Name: "audit", HomeRegion: TEST_REGION }]);
  });

  test("StartLogging and StopLogging are reflected in GetTrailStatus", async () => {
    const { ct, arn } = await withTrail("lc-logging");
    const before = Date.now();
    await ct.send(new StartLoggingCommand({ Name: "audit" }));
    const started = await ct.send(new GetTrailStatusCommand({ Name: arn }));
    expect(started.IsLogging).toBe(true);
    expect(started.StartLoggingTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(started.TimeLoggingStarted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(started.LatestDeliveryError).toBeUndefined();
    await ct.send(new StopLoggingCommand({ Name: "audit" }));
    const stopped = await ct.send(new GetTrailStatusCommand({ Name: "audit" }));
    expect(stopped.IsLogging).toBe(false);
    expect(stopped.StopLoggingTime!.getTime()).toBeGreaterThanOrEqual(started.StartLoggingTime!.getTime());
    expect(stopped.StartLoggingTime).toEqual(started.StartLoggingTime);
  });

  test("PutEventSelectors and GetEventSelectors keep the ReadWriteType", async () => {
    const { ct, arn } = await withTrail("lc-selectors");
    const put = await ct.send(
      new PutEventSelectorsCommand({ TrailName: "audit", EventSelectors: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true }] }),
    );
    expect(put.TrailARN).toBe(arn);
    expect(put.EventSelectors).toEqual([{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true, DataResources: [] }]);
    const got = await ct.send(new GetEventSelectorsCommand({ TrailName: arn }));
    expect(got.EventSelectors?.[0]?.ReadWriteType).toBe("WriteOnly");
    const { Trail } = await ct.send(new GetTrailCommand({ Name: "audit" }));
    expect(Trail?.HasCustomEventSelectors).toBe(true);
    const bad = await errorOf(ct.send(new PutEventSelectorsCommand({ TrailName: "audit", EventSelectors: [{ ReadWriteType: "Sometimes" as "All" }] })));
    expect(bad.name).toBe("InvalidEventSelectorsException");
    const data = await errorOf(
      ct.send(
        new PutEventSelectorsCommand({ TrailName: "audit", EventSelectors: [{ DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::b/"] }] }] }),
      ),
    );
    expect(data.name).toBe("InvalidEventSelectorsException");
  });

  test("UpdateTrail moves the trail to another bucket and prefix", async () => {
    const { ct, arn } = await withTrail("lc-update");
    const updated = await ct.send(new UpdateTrailCommand({ Name: "audit", S3BucketName: "acme-audit-2", S3KeyPrefix: "p2" }));
    expect(updated).toMatchObject({ Name: "audit", S3BucketName: "acme-audit-2", S3KeyPrefix: "p2", TrailARN: arn });
    const missing = await errorOf(ct.send(new UpdateTrailCommand({ Name: "audit", S3BucketName: "no-such-bucket" })));
    expect(missing.name).toBe("S3BucketDoesNotExistException");
    const { Trail } = await ct.send(new GetTrailCommand({ Name: "audit" }));
    expect(Trail?.S3BucketName).toBe("acme-audit-2");
    expect(Trail?.LogFileValidationEnabled).toBe(false);
    expect((await ct.send(new UpdateTrailCommand({ Name: "audit", EnableLogFileValidation: true }))).LogFileValidationEnabled).toBe(true);
    expect((await ct.send(new GetTrailCommand({ Name: "audit" }))).Trail?.LogFileValidationEnabled).toBe(true);
  });

  test("ListPublicKeys: the region's digest signing keys, as the AWS CLI's validator reads them", async () => {
    const ct = await clientOf("lc-keys");
    const now = new Date();
    const signer = await digestSigner(h.deps, TEST_REGION, now);
    const { PublicKeyList } = await ct.send(new ListPublicKeysCommand({ StartTime: new Date(now.getTime() - 1000), EndTime: new Date(now.getTime() + 1000) }));
    const key = PublicKeyList?.find((k) => k.Fingerprint === signer.fingerprint);
    expect(key).toBeDefined();
    // The blob is the DER PKCS#1 key; the fingerprint is the MD5 of the DER.
    const der = Buffer.from(key!.Value!);
    expect(createHash("md5").update(der).digest("hex")).toBe(signer.fingerprint);
    const publicKey = createPublicKey({ key: der, format: "der", type: "pkcs1" });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(verify("sha256", Buffer.from("signed"), publicKey, Buffer.from(signer.sign("signed"), "hex"))).toBe(true);
    // A range before any key existed lists none; start after end is refused.
    expect((await ct.send(new ListPublicKeysCommand({ StartTime: new Date(0), EndTime: new Date(1000) }))).PublicKeyList).toEqual([]);
    expect((await errorOf(ct.send(new ListPublicKeysCommand({ StartTime: new Date(2000), EndTime: new Date(1000) })))).name).toBe("InvalidTimeRangeException");
  });

  test("DeleteTrail removes it; then it is unknown", async () => {
    const { ct, arn } = await withTrail("lc-delete");
    await ct.send(new DeleteTrailCommand({ Name: arn }));
    expect((await ct.send(new ListTrailsCommand({}))).Trails).toEqual([]);
    for (const command of [
      new GetTrailCommand({ Name: "audit" }),
      new GetTrailStatusCommand({ Name: "audit" }),
      new DeleteTrailCommand({ Name: "audit" }),
      new StartLoggingCommand({ Name: "audit" }),
    ]) {
      const e = await errorOf(ct.send(command as never));
      expect(e.name).toBe("TrailNotFoundException");
      expect(e.message).toContain(arn);
    }
  });
});

describe("trail rules", () => {
  test("each class of bad trail name is InvalidTrailNameException", async () => {
    for (const name of ["ab", "x".repeat(129), "my trail", "-trail", "trail_", "my--trail", "my._trail", "192.168.5.4", "trail/ü"]) {
      const e = await errorOf(ct.send(new CreateTrailCommand({ Name: name, S3BucketName: "acme-audit" })));
      expect(e.name).toBe("InvalidTrailNameException");
      expect(e.status).toBe(400);
    }
  });

  test("a prefix over 200 characters is InvalidS3PrefixException; a bad bucket name InvalidS3BucketNameException", async () => {
    expect((await errorOf(ct.send(new CreateTrailCommand({ Name: "p-trail", S3BucketName: "acme-audit", S3KeyPrefix: "p".repeat(201) })))).name).toBe(
      "InvalidS3PrefixException",
    );
    expect((await errorOf(ct.send(new CreateTrailCommand({ Name: "p-trail", S3BucketName: "Bad_Bucket" })))).name).toBe("InvalidS3BucketNameException");
  });

  test("a missing bucket is S3BucketDoesNotExistException", async () => {
    const e = await errorOf(ct.send(new CreateTrailCommand({ Name: "nobucket", S3BucketName: "acme-missing" })));
    expect(e.name).toBe("S3BucketDoesNotExistException");
    expect(e.message).toContain("acme-missing");
  });

  test("a key pair object storage does not know is InsufficientS3BucketPolicyException with S3's message", async () => {
    const bob = await createTestUser(h, "acme", "bob", { registerInStorage: false });
    const client = cloudTrailClient(h, bob);
    const e = await errorOf(client.send(new CreateTrailCommand({ Name: "bobs-trail", S3BucketName: "acme-audit" })));
    client.destroy();
    expect(e).toMatchObject({
      name: "InsufficientS3BucketPolicyException",
      message: "The AWS Access Key Id you provided does not exist in our records.",
      status: 403,
    });
  });

  test("a duplicate is TrailAlreadyExistsException; a 3rd trail MaximumNumberOfTrailsExceededException", async () => {
    // An account of its own: no other test's trails count against its quota of 2.
    const ct = await clientOf("quota-acct");
    await ct.send(new CreateTrailCommand({ Name: "one", S3BucketName: "acme-audit" }));
    expect((await errorOf(ct.send(new CreateTrailCommand({ Name: "one", S3BucketName: "acme-audit" })))).name).toBe("TrailAlreadyExistsException");
    await ct.send(new CreateTrailCommand({ Name: "two", S3BucketName: "acme-audit" }));
    const third = await errorOf(ct.send(new CreateTrailCommand({ Name: "three", S3BucketName: "acme-audit" })));
    expect(third.name).toBe("MaximumNumberOfTrailsExceededException");
    // An operator relaxes the quota: now the third fits.
    await setQuota(h.deps.database.db, testAccountId("quota-acct"), "trails", 3);
    await ct.send(new CreateTrailCommand({ Name: "three", S3BucketName: "acme-audit" }));
    for (const name of ["one", "two", "three"]) await ct.send(new DeleteTrailCommand({ Name: name }));
  });

  test("unsupported parameters are refused clearly", async () => {
    const e = await errorOf(ct.send(new CreateTrailCommand({ Name: "sns", S3BucketName: "acme-audit", SnsTopicName: "topic" })));
    expect(e).toMatchObject({ name: "UnsupportedOperationException", message: "SnsTopicName is not supported by Activity Log." });
  });
});

describe("tenant isolation and access", () => {
  test("another account's trail is TrailNotFoundException, by ARN or by name", async () => {
    const other = await createTestUser(h, "globex", "gina");
    await h.createBucket("globex-audit");
    const otherClient = cloudTrailClient(h, other);
    const created = await otherClient.send(new CreateTrailCommand({ Name: "secret-trail", S3BucketName: "globex-audit" }));
    otherClient.destroy();
    for (const ref of [created.TrailARN!, "secret-trail"]) {
      for (const command of [
        new GetTrailCommand({ Name: ref }),
        new DeleteTrailCommand({ Name: ref }),
        new StopLoggingCommand({ Name: ref }),
        new UpdateTrailCommand({ Name: ref, S3KeyPrefix: "x" }),
      ]) {
        expect((await errorOf(ct.send(command as never))).name).toBe("TrailNotFoundException");
      }
    }
    const described = await ct.send(new DescribeTrailsCommand({ trailNameList: [created.TrailARN!] }));
    expect(described.trailList).toEqual([]);
    expect((await ct.send(new ListTrailsCommand({}))).Trails?.some((t) => t.Name === "secret-trail")).toBe(false);
  });

  test("a user outside ActivityLogAdministrators gets AccessDeniedException", async () => {
    const carol = await createTestUser(h, "acme", "carol", { admin: false });
    const client = cloudTrailClient(h, carol);
    const e = await errorOf(client.send(new LookupEventsCommand({})));
    const t = await errorOf(client.send(new ListTrailsCommand({})));
    client.destroy();
    expect(e).toMatchObject({ name: "AccessDeniedException", status: 403 });
    expect(t.name).toBe("AccessDeniedException");
  });

  test("an inactive subscription gets SubscriptionRequiredException, and works again once active", async () => {
    const db = h.deps.database.db;
    await setSubscription(db, admin.accountId, false);
    try {
      expect(await errorOf(ct.send(new LookupEventsCommand({})))).toMatchObject({ name: "SubscriptionRequiredException", status: 403 });
      expect((await errorOf(ct.send(new CreateTrailCommand({ Name: "late", S3BucketName: "acme-audit" })))).name).toBe("SubscriptionRequiredException");
    } finally {
      await setSubscription(db, admin.accountId, true);
    }
    await ct.send(new ListTrailsCommand({}));
  });
});

describe("LookupEvents", () => {
  test("pages across 3 pages newest first, with attributes ANDed", async () => {
    const base = Date.now() - 60 * 60 * 1000;
    for (let i = 0; i < 7; i++) {
      await recordEvent(h.deps, {
        accountId: admin.accountId,
        project: "default",
        userName: i % 2 === 0 ? "dave" : "erin",
        eventName: "RunInstances",
        eventSource: "ec2.amazonaws.com",
        eventTime: new Date(base + i * 60_000),
        resources: [{ type: "AWS::EC2::Instance", name: `i-000${i}` }],
      });
    }
    // Another account's identical events must never show.
    await recordEvent(h.deps, {
      accountId: testAccountId("globex"),
      project: "default",
      userName: "dave",
      eventName: "RunInstances",
      eventSource: "ec2.amazonaws.com",
      eventTime: new Date(base),
    });
    const attrs = [{ AttributeKey: "EventSource" as const, AttributeValue: "ec2.amazonaws.com" }];
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await ct.send(new LookupEventsCommand({ LookupAttributes: attrs, MaxResults: 3, NextToken: token }));
      pages.push(page.Events!.map((e) => e.Resources![0]!.ResourceName!));
      token = page.NextToken;
    } while (token);
    expect(pages).toEqual([["i-0006", "i-0005", "i-0004"], ["i-0003", "i-0002", "i-0001"], ["i-0000"]]);

    const anded = await ct.send(
      new LookupEventsCommand({
        LookupAttributes: [...attrs, { AttributeKey: "Username", AttributeValue: "erin" }],
        StartTime: new Date(base),
        EndTime: new Date(),
      }),
    );
    expect(anded.Events!.map((e) => e.Username)).toEqual(["erin", "erin", "erin"]);
    const first = anded.Events![0]!;
    expect(first).toMatchObject({ EventName: "RunInstances", EventSource: "ec2.amazonaws.com", ReadOnly: "false" });
    expect(first.EventTime).toBeInstanceOf(Date);
    expect(JSON.parse(first.CloudTrailEvent!)).toMatchObject({ eventName: "RunInstances", recipientAccountId: admin.accountId, awsRegion: TEST_REGION });
  });

  test("the API's own calls are recorded, read-only ones without response elements", async () => {
    await ct.send(new CreateTrailCommand({ Name: "recorded", S3BucketName: "acme-audit" }));
    await ct.send(new DeleteTrailCommand({ Name: "recorded" }));
    // A read-only call of this test's own that fails: the trail is gone.
    await errorOf(ct.send(new GetTrailCommand({ Name: "recorded" })));
    const created = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateTrail" }] }));
    const record = created.Events!.map((e) => JSON.parse(e.CloudTrailEvent!)).find((r) => r.requestParameters?.Name === "recorded");
    expect(record).toMatchObject({
      eventSource: "cloudtrail.amazonaws.com",
      readOnly: false,
      userIdentity: { userName: "alice", accessKeyId: admin.accessKeyId },
      requestParameters: { Name: "recorded", S3BucketName: "acme-audit" },
      responseElements: { Name: "recorded" },
    });
    const failed = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetTrail" }], MaxResults: 1 }));
    const failure = JSON.parse(failed.Events![0]!.CloudTrailEvent!);
    expect(failure).toMatchObject({ errorCode: "TrailNotFoundException", readOnly: true, responseElements: null });
  });

  test("bad parameters answer the LookupEvents errors", async () => {
    const now = new Date();
    expect((await errorOf(ct.send(new LookupEventsCommand({ StartTime: now, EndTime: new Date(now.getTime() - 1000) })))).name).toBe(
      "InvalidTimeRangeException",
    );
    expect((await errorOf(ct.send(new LookupEventsCommand({ MaxResults: 1001 })))).name).toBe("InvalidMaxResultsException");
    expect((await errorOf(ct.send(new LookupEventsCommand({ MaxResults: 0 })))).name).toBe("InvalidMaxResultsException");
    expect((await errorOf(ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Colour" as "EventId", AttributeValue: "red" }] })))).name).toBe(
      "InvalidLookupAttributesException",
    );
    expect((await errorOf(ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "maybe" }] })))).name).toBe(
      "InvalidLookupAttributesException",
    );
    expect((await errorOf(ct.send(new LookupEventsCommand({ NextToken: "forged-token" })))).name).toBe("InvalidNextTokenException");
    // A token reused with other parameters is refused.
    const page = await ct.send(new LookupEventsCommand({ MaxResults: 1 }));
    expect(page.NextToken).toBeDefined();
    const reused = await errorOf(
      ct.send(new LookupEventsCommand({ MaxResults: 1, NextToken: page.NextToken, LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "erin" }] })),
    );
    expect(reused.name).toBe("InvalidNextTokenException");
  });
});
