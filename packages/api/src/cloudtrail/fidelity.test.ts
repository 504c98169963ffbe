// What boto3, the JS SDK v3 and the AWS CLI found against every operation, driven with the JS SDK:
// trail flags and tags as set, the model's error codes, operations not offered, insight lookups,
// and ARNs of other regions. ARNs are taken from what the API answers, never built from names.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  AddTagsCommand,
  type CloudTrailClient,
  CreateEventDataStoreCommand,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  ListTagsCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  RemoveTagsCommand,
  UnsupportedOperationException,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { cloudTrailClient, createTestUser, errorOf, startTestServer, type TestServer } from "../test-kit/index.ts";

let h: TestServer;
const clients: CloudTrailClient[] = [];
let accounts = 0;

/** Each account's own bucket: local buckets have owners, so accounts cannot share one. */
const bucketOf = new Map<CloudTrailClient, string>();

/** A client for an administrator of a new account of its own, which owns a bucket (`bucketOf`). */
async function newAccountClient(): Promise<CloudTrailClient> {
  const name = `fid-${++accounts}-${Math.random().toString(36).slice(2, 6)}`;
  const user = await createTestUser(h, name, "alice");
  await h.createBucket(`${name}-audit`, { accountId: user.accountId });
  const client = cloudTrailClient(h, user);
  clients.push(client);
  bucketOf.set(client, `${name}-audit`);
  return client;
}

/** A new account's client and the ARN (as the API gives it) of its trail "audit". */
async function withTrail(extra: Partial<ConstructorParameters<typeof CreateTrailCommand>[0]> = {}) {
  const ct = await newAccountClient();
  const created = await ct.send(new CreateTrailCommand({ Name: "audit", S3BucketName: bucketOf.get(ct), ...extra }));
  return { ct, created, arn: created.TrailARN! };
}

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await h?.close();
}, 30_000);

describe("trail flags are stored and shown as set", () => {
  test("CreateTrail: IsMultiRegionTrail true is answered true, and GetTrail/DescribeTrails agree", async () => {
    const { ct, created, arn } = await withTrail({ IsMultiRegionTrail: true });
    expect(created).toMatchObject({ IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true });
    expect((await ct.send(new GetTrailCommand({ Name: arn }))).Trail).toMatchObject({ IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true });
    expect((await ct.send(new DescribeTrailsCommand({}))).trailList?.[0]).toMatchObject({ IsMultiRegionTrail: true });
  });

  test("CreateTrail: IncludeGlobalServiceEvents false is answered false; the defaults are AWS's", async () => {
    const { ct, created } = await withTrail({ IncludeGlobalServiceEvents: false });
    expect(created).toMatchObject({ IsMultiRegionTrail: false, IncludeGlobalServiceEvents: false });
    const plain = await ct.send(new CreateTrailCommand({ Name: "plain", S3BucketName: bucketOf.get(ct) }));
    expect(plain).toMatchObject({ IsMultiRegionTrail: false, IncludeGlobalServiceEvents: true });
  });

  test("UpdateTrail changes only the flags it is given; multi-region without global events is refused, as AWS does", async () => {
    const { ct, arn } = await withTrail();
    expect(await ct.send(new UpdateTrailCommand({ Name: arn, IncludeGlobalServiceEvents: false }))).toMatchObject({
      IsMultiRegionTrail: false,
      IncludeGlobalServiceEvents: false,
    });
    const combo = await errorOf(ct.send(new UpdateTrailCommand({ Name: arn, IsMultiRegionTrail: true })));
    expect(combo).toMatchObject({ name: "InvalidParameterCombinationException", status: 400 });
    expect(await ct.send(new UpdateTrailCommand({ Name: arn, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true }))).toMatchObject({
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
    });
    expect((await ct.send(new UpdateTrailCommand({ Name: arn, S3KeyPrefix: "logs" }))).IsMultiRegionTrail).toBe(true);
    const refused = await errorOf(
      ct.send(new CreateTrailCommand({ Name: "combo", S3BucketName: bucketOf.get(ct), IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false })),
    );
    expect(refused.name).toBe("InvalidParameterCombinationException");
    expect((await ct.send(new ListTrailsCommand({}))).Trails?.map((t) => t.Name)).toEqual(["audit"]);
  });
});

describe("trail tags", () => {
  const tags = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ Key: `k${from + i}`, Value: `v${from + i}` }));

  test("CreateTrail's TagsList, AddTags (a known key takes the new value), RemoveTags, ListTags", async () => {
    const { ct, arn } = await withTrail({ TagsList: [{ Key: "team", Value: "security" }, { Key: "env" }] });
    expect((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList).toEqual([
      { ResourceId: arn, TagsList: [{ Key: "team", Value: "security" }, { Key: "env" }] },
    ]);
    await ct.send(
      new AddTagsCommand({
        ResourceId: arn,
        TagsList: [
          { Key: "env", Value: "prod" },
          { Key: "owner", Value: "ana@example.com" },
        ],
      }),
    );
    await ct.send(new RemoveTagsCommand({ ResourceId: arn, TagsList: [{ Key: "team" }, { Key: "never-set" }] }));
    expect((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList?.[0]?.TagsList).toEqual([
      { Key: "env", Value: "prod" },
      { Key: "owner", Value: "ana@example.com" },
    ]);
  });

  test("50 tags fit; the 51st is TagsLimitExceededException and changes nothing; CreateTrail with 51 creates nothing", async () => {
    const { ct, arn } = await withTrail({ TagsList: tags(49) });
    await ct.send(new AddTagsCommand({ ResourceId: arn, TagsList: tags(1, 49) }));
    const over = await errorOf(ct.send(new AddTagsCommand({ ResourceId: arn, TagsList: tags(1, 50) })));
    expect(over).toMatchObject({ name: "TagsLimitExceededException", status: 400 });
    expect((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList?.[0]?.TagsList).toHaveLength(50);
    await ct.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: "k0", Value: "again" }] })); // an overwrite: still 50
    const created = await errorOf(ct.send(new CreateTrailCommand({ Name: "many-tags", S3BucketName: bucketOf.get(ct), TagsList: tags(51) })));
    expect(created.name).toBe("TagsLimitExceededException");
    expect((await ct.send(new ListTrailsCommand({}))).Trails?.map((t) => t.Name)).toEqual(["audit"]);
  });

  test("keys over 128 and values over 256 characters, duplicates and aws: keys are InvalidTagParameterException", async () => {
    const { ct, arn } = await withTrail();
    for (const TagsList of [
      [{ Key: "k".repeat(129) }],
      [{ Key: "k", Value: "v".repeat(257) }],
      [{ Key: "k" }, { Key: "k" }],
      [{ Key: "aws:createdBy" }],
      [{ Key: "" }],
    ]) {
      expect(await errorOf(ct.send(new AddTagsCommand({ ResourceId: arn, TagsList })))).toMatchObject({ name: "InvalidTagParameterException", status: 400 });
    }
    await ct.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: "k".repeat(128), Value: "v".repeat(256) }] }));
    expect((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList?.[0]?.TagsList).toHaveLength(1);
  });

  test("ResourceId must be a trail ARN: a name is CloudTrailARNInvalidException, an unknown or another account's trail ResourceNotFoundException", async () => {
    const { ct, arn } = await withTrail();
    const { arn: othersArn } = await withTrail();
    expect((await errorOf(ct.send(new AddTagsCommand({ ResourceId: "audit", TagsList: [{ Key: "k" }] })))).name).toBe("CloudTrailARNInvalidException");
    const missing = arn.replace(/trail\/audit$/, "trail/missing");
    for (const id of [missing, othersArn]) {
      expect((await errorOf(ct.send(new AddTagsCommand({ ResourceId: id, TagsList: [{ Key: "k" }] })))).name).toBe("ResourceNotFoundException");
      expect((await errorOf(ct.send(new RemoveTagsCommand({ ResourceId: id, TagsList: [{ Key: "k" }] })))).name).toBe("ResourceNotFoundException");
      expect((await errorOf(ct.send(new ListTagsCommand({ ResourceIdList: [arn, id] })))).name).toBe("ResourceNotFoundException");
    }
    const eds = arn.replace(/trail\/audit$/, "eventdatastore/abc");
    expect((await errorOf(ct.send(new ListTagsCommand({ ResourceIdList: [eds] })))).name).toBe("ResourceTypeNotSupportedException");
  });
});

describe("error codes as the model lists them", () => {
  test("GetTrail: a name that breaks the rules is InvalidTrailNameException; a malformed ARN CloudTrailARNInvalidException", async () => {
    const ct = await newAccountClient();
    for (const name of ["my..trail", "ab", "-trail"])
      expect((await errorOf(ct.send(new GetTrailCommand({ Name: name })))).name).toBe("InvalidTrailNameException");
    for (const arn of ["arn:aws:cloudtrail:ru-msk:123456789012:trial/x", "arn:aws:cloudtrail:ru-msk:123456789012:trail/a..b", "arn:nonsense"])
      expect(await errorOf(ct.send(new GetTrailCommand({ Name: arn })))).toMatchObject({ name: "CloudTrailARNInvalidException", status: 400 });
    expect((await errorOf(ct.send(new GetTrailCommand({ Name: "valid-but-missing" })))).name).toBe("TrailNotFoundException");
  });

  test("an operation the service does not offer is the SDK's own UnsupportedOperationException", async () => {
    const ct = await newAccountClient();
    const error = await ct.send(new CreateEventDataStoreCommand({ Name: "store" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOperationException);
    expect((error as UnsupportedOperationException).$metadata.httpStatusCode).toBe(400);
  });

  test("LookupEvents: EventCategory insight is a valid question with no answers yet; any other category InvalidEventCategoryException", async () => {
    const ct = await newAccountClient();
    await ct.send(new ListTrailsCommand({})); // a management event the insight lookup must not return
    const insight = await ct.send(new LookupEventsCommand({ EventCategory: "insight" }));
    expect(insight.Events).toEqual([]);
    expect((await ct.send(new LookupEventsCommand({}))).Events?.length).toBeGreaterThan(0);
    const bad = await errorOf(ct.send(new LookupEventsCommand({ EventCategory: "management" as "insight" })));
    expect(bad).toMatchObject({ name: "InvalidEventCategoryException", status: 400 });
  });

  test("an ARN of another region: DescribeTrails leaves it out, as GetTrail finds no trail", async () => {
    const { ct, arn } = await withTrail();
    const elsewhere = arn.replace(/^(arn:aws:cloudtrail:)[^:]+/, "$1eu-west-1");
    expect(elsewhere).not.toBe(arn);
    expect((await ct.send(new DescribeTrailsCommand({ trailNameList: [elsewhere] }))).trailList).toEqual([]);
    expect((await errorOf(ct.send(new GetTrailCommand({ Name: elsewhere })))).name).toBe("TrailNotFoundException");
    expect((await ct.send(new DescribeTrailsCommand({ trailNameList: [arn, elsewhere] }))).trailList?.map((t) => t.TrailARN)).toEqual([arn]);
  });
});
