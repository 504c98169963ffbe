// Conformance with AWS's own CloudTrail service model (botocore's service-2.json, the file boto3 and
// the AWS CLI are generated from): every implemented operation is called, successfully and with
// inputs that fail, and each raw JSON answer is checked against the model — required members
// present, every value of the member's type (and enum), no member the model does not have except
// the documented extensions — and every error's `__type` must be one the operation lists, or one
// of the errors common to all AWS APIs.
//
// Why botocore's model and not the JS SDK's bundled schema (node_modules/@aws-sdk/client-cloudtrail
// dist-*/schemas): that schema carries shapes and required members but not which errors each
// operation lists, and those are half of what is checked here. botocore's model ships with every
// AWS CLI (CI installs Debian's awscli when `aws` is missing) and with python3-botocore.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createTestUser, rawCloudTrailCall, startTestServer, TEST_REGION, type TestServer, type TestUser } from "../test-kit/index.ts";
import { digestSigner } from "../trails/signing-keys.ts";
import { METHODS } from "./methods/index.ts";

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  exception?: boolean;
}
interface ServiceModel {
  metadata: { targetPrefix: string };
  operations: Record<string, { output?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

const MODEL_PATH = "cloudtrail/2013-11-01/service-2.json";

/** botocore's data directories on the machine: Debian's python3-botocore and awscli, AWS's installer, then whatever `python3` imports. */
function botocoreDataDirs(): string[] {
  const dirs = [
    "/usr/lib/python3/dist-packages/botocore/data",
    "/usr/lib/python3/dist-packages/awscli/botocore/data",
    "/usr/local/aws-cli/v2/current/dist/awscli/botocore/data",
  ];
  for (const module of ["botocore", "awscli.botocore"]) {
    const found = Bun.spawnSync(["python3", "-c", `import os, ${module} as m; print(os.path.dirname(m.__file__))`], { stderr: "ignore" });
    if (found.success) dirs.push(join(found.stdout.toString().trim(), "data"));
  }
  return dirs;
}

function loadServiceModel(): { model: ServiceModel; path: string } {
  const dirs = botocoreDataDirs();
  for (const dir of dirs) {
    const path = join(dir, MODEL_PATH);
    if (existsSync(path)) return { model: JSON.parse(readFileSync(path, "utf8")), path };
    if (existsSync(`${path}.gz`)) return { model: JSON.parse(new TextDecoder().decode(Bun.gunzipSync(readFileSync(`${path}.gz`)))), path: `${path}.gz` };
  }
  throw new Error(`CloudTrail's service model (botocore ${MODEL_PATH}) was not found in ${dirs.join(", ")}: install the AWS CLI (apt-get install awscli).`);
}

/** Errors any AWS JSON API may answer, whatever the operation lists (AWS's "Common Errors"). */
const COMMON_ERRORS = new Set([
  "AccessDeniedException",
  "IncompleteSignatureException",
  "InternalFailure",
  "InvalidSignatureException",
  "MissingAuthenticationTokenException",
  "SerializationException",
  "ServiceUnavailableException",
  "ThrottlingException",
  "UnrecognizedClientException",
  "ValidationException",
]);
/** This service's documented additions (README "The CloudTrail API"). */
const EXTENSION_ERRORS = new Set(["SubscriptionRequiredException"]);
const EXTENSION_MEMBERS = new Set(["Event.Project"]);

/** Where a value breaks the model's shape; empty when it conforms. */
function shapeProblems(model: ServiceModel, shapeName: string, value: unknown, path: string): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: the model has no shape ${shapeName}`];
  const wrong = (expected: string) => [`${path}: expected ${expected} (${shapeName}), got ${JSON.stringify(value)}`];
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return wrong("an object");
      const record = value as Record<string, unknown>;
      const problems = (shape.required ?? []).filter((m) => record[m] === undefined).map((m) => `${path}.${m}: required by ${shapeName}, missing`);
      for (const [name, member] of Object.entries(record)) {
        const spec = shape.members?.[name];
        if (spec) problems.push(...shapeProblems(model, spec.shape, member, `${path}.${name}`));
        else if (!EXTENSION_MEMBERS.has(`${shapeName}.${name}`)) problems.push(`${path}.${name}: not a member of ${shapeName}`);
      }
      return problems;
    }
    case "list":
      if (!Array.isArray(value)) return wrong("a list");
      return value.flatMap((item, i) => shapeProblems(model, shape.member!.shape, item, `${path}[${i}]`));
    case "map":
      if (typeof value !== "object" || value === null || Array.isArray(value)) return wrong("a map");
      return Object.entries(value).flatMap(([k, v]) => shapeProblems(model, shape.value!.shape, v, `${path}.${k}`));
    case "string":
      if (typeof value !== "string") return wrong("a string");
      return shape.enum && !shape.enum.includes(value) ? wrong(`one of ${shape.enum.join(", ")}`) : [];
    case "boolean":
      return typeof value === "boolean" ? [] : wrong("a boolean");
    case "integer":
    case "long":
      return Number.isInteger(value) ? [] : wrong("an integer");
    case "timestamp": // AWS JSON 1.1: epoch seconds
      return typeof value === "number" && Number.isFinite(value) ? [] : wrong("epoch seconds");
    case "blob":
      return typeof value === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? [] : wrong("base64");
    default:
      return typeof value === "number" ? [] : wrong(shape.type);
  }
}

interface Answer {
  operation: string;
  status: number;
  body: Record<string, unknown>;
}

let h: TestServer;
let user: TestUser;
let model: ServiceModel;
const answers: Answer[] = [];

/** One call, signed as the AWS CLI signs it, with the model's own X-Amz-Target; the raw answer is kept. */
async function call(operation: string, input: Record<string, unknown> = {}): Promise<Answer> {
  const response = await rawCloudTrailCall(h.url, user, operation, JSON.stringify(input));
  const answer = { operation, status: response.status, body: (await response.json()) as Record<string, unknown> };
  answers.push(answer);
  return answer;
}

async function ok(operation: string, input: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const answer = await call(operation, input);
  if (answer.status !== 200) throw new Error(`${operation} ${JSON.stringify(input)} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** An error call; returns its `__type` (checked against the model with every other answer). */
async function failing(operation: string, input: Record<string, unknown>): Promise<string> {
  const answer = await call(operation, input);
  expect(answer.status).toBeGreaterThanOrEqual(400);
  return answer.body.__type as string;
}

beforeAll(async () => {
  model = loadServiceModel().model;
  h = await startTestServer({ storage: "local" });
  const alias = `conf-${Math.random().toString(36).slice(2, 8)}`;
  user = await createTestUser(h, alias, "alice");
  await h.createBucket("conf-audit", { account: alias });
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

describe("the CloudTrail service model", () => {
  test("names every operation this service implements", () => {
    for (const name of METHODS.keys()) expect(model.operations[name]).toBeDefined();
  });

  test("every implemented operation, successful and failing, answers as the model describes", async () => {
    // Successes: the trail lifecycle with tags and flags, events to look up, paging.
    const created = await ok("CreateTrail", {
      Name: "conformance",
      S3BucketName: "conf-audit",
      S3KeyPrefix: "logs",
      IsMultiRegionTrail: true,
      TagsList: [{ Key: "team", Value: "sec" }, { Key: "bare" }],
    });
    const arn = created.TrailARN as string;
    await ok("GetTrail", { Name: arn });
    await ok("DescribeTrails", {});
    await ok("DescribeTrails", { trailNameList: [arn], includeShadowTrails: true });
    await ok("ListTrails", {});
    await ok("GetTrailStatus", { Name: "conformance" });
    await ok("StartLogging", { Name: arn });
    await ok("GetTrailStatus", { Name: arn });
    await ok("UpdateTrail", { Name: arn, S3KeyPrefix: "other", IncludeGlobalServiceEvents: true });
    await ok("PutEventSelectors", { TrailName: arn, EventSelectors: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true }] });
    await ok("GetEventSelectors", { TrailName: arn });
    await ok("AddTags", { ResourceId: arn, TagsList: [{ Key: "env", Value: "prod" }] });
    await ok("ListTags", { ResourceIdList: [arn] });
    await ok("RemoveTags", { ResourceId: arn, TagsList: [{ Key: "bare" }] });
    await ok("StopLogging", { Name: arn });
    await ok("GetTrailStatus", { Name: arn });
    const page = await ok("LookupEvents", { MaxResults: 1 });
    expect((page.Events as unknown[]).length).toBe(1);
    await ok("LookupEvents", { MaxResults: 1, NextToken: page.NextToken });
    await ok("LookupEvents", { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateTrail" }] });
    await ok("LookupEvents", { EventCategory: "insight" });
    // The region's digest signing key (made by the worker's first digest, here directly): its Value
    // is a blob and its times are timestamps, as the model says.
    await digestSigner(h.deps, TEST_REGION, new Date());
    const keys = await ok("ListPublicKeys", { StartTime: Math.floor(Date.now() / 1000) - 3600 });
    expect((keys.PublicKeyList as unknown[]).length).toBeGreaterThan(0);

    // Failures, each of a kind the operation's model lists.
    const missingArn = arn.replace(/trail\/conformance$/, "trail/missing");
    const expectations: [string, Record<string, unknown>, string][] = [
      ["CreateTrail", { Name: "conformance", S3BucketName: "conf-audit" }, "TrailAlreadyExistsException"],
      ["CreateTrail", { Name: "a..b", S3BucketName: "conf-audit" }, "InvalidTrailNameException"],
      ["CreateTrail", { Name: "other", S3BucketName: "Bad_Bucket" }, "InvalidS3BucketNameException"],
      ["CreateTrail", { Name: "other", S3BucketName: "conf-missing" }, "S3BucketDoesNotExistException"],
      ["CreateTrail", { Name: "other", S3BucketName: "conf-audit", S3KeyPrefix: "p".repeat(201) }, "InvalidS3PrefixException"],
      ["CreateTrail", { Name: "other", S3BucketName: "conf-audit", TagsList: [{ Key: "aws:x" }] }, "InvalidTagParameterException"],
      ["CreateTrail", { Name: "other", S3BucketName: "conf-audit", SnsTopicName: "t" }, "UnsupportedOperationException"],
      [
        "CreateTrail",
        { Name: "other", S3BucketName: "conf-audit", IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false },
        "InvalidParameterCombinationException",
      ],
      ["UpdateTrail", { Name: "missing" }, "TrailNotFoundException"],
      ["UpdateTrail", { Name: "arn:aws:cloudtrail:x" }, "CloudTrailARNInvalidException"],
      ["GetTrail", { Name: "a..b" }, "InvalidTrailNameException"],
      ["GetTrail", { Name: "arn:aws:cloudtrail:x" }, "CloudTrailARNInvalidException"],
      ["GetTrail", { Name: missingArn }, "TrailNotFoundException"],
      ["DescribeTrails", { trailNameList: ["a..b"] }, "InvalidTrailNameException"],
      ["DescribeTrails", { trailNameList: ["arn:aws:cloudtrail:x"] }, "InvalidTrailNameException"],
      ["DeleteTrail", { Name: "missing" }, "TrailNotFoundException"],
      ["StartLogging", { Name: "arn:aws:cloudtrail:x" }, "CloudTrailARNInvalidException"],
      ["StopLogging", { Name: "a..b" }, "InvalidTrailNameException"],
      ["GetTrailStatus", { Name: missingArn }, "TrailNotFoundException"],
      ["GetEventSelectors", { TrailName: "missing" }, "TrailNotFoundException"],
      ["PutEventSelectors", { TrailName: arn, EventSelectors: [{ ReadWriteType: "Sometimes" }] }, "InvalidEventSelectorsException"],
      ["PutEventSelectors", { TrailName: arn, AdvancedEventSelectors: [] }, "InvalidEventSelectorsException"],
      ["AddTags", { ResourceId: arn, TagsList: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}` })) }, "TagsLimitExceededException"],
      ["AddTags", { ResourceId: arn, TagsList: [{ Key: "k".repeat(129) }] }, "InvalidTagParameterException"],
      ["AddTags", { ResourceId: "conformance", TagsList: [{ Key: "k" }] }, "CloudTrailARNInvalidException"],
      ["AddTags", { ResourceId: missingArn, TagsList: [{ Key: "k" }] }, "ResourceNotFoundException"],
      ["RemoveTags", { ResourceId: missingArn, TagsList: [{ Key: "k" }] }, "ResourceNotFoundException"],
      ["ListTags", { ResourceIdList: [missingArn] }, "ResourceNotFoundException"],
      ["ListTags", { ResourceIdList: [arn.replace(/trail\/conformance$/, "eventdatastore/x")] }, "ResourceTypeNotSupportedException"],
      ["ListTrails", { NextToken: "x" }, "ValidationException"],
      ["LookupEvents", { EventCategory: "management" }, "InvalidEventCategoryException"],
      ["LookupEvents", { StartTime: 200, EndTime: 100 }, "InvalidTimeRangeException"],
      ["LookupEvents", { MaxResults: 5000 }, "InvalidMaxResultsException"],
      ["LookupEvents", { LookupAttributes: [{ AttributeKey: "Nope", AttributeValue: "x" }] }, "InvalidLookupAttributesException"],
      ["LookupEvents", { NextToken: "forged" }, "InvalidNextTokenException"],
      ["ListPublicKeys", { StartTime: 200, EndTime: 100 }, "InvalidTimeRangeException"],
      ["CreateEventDataStore", { Name: "store" }, "UnsupportedOperationException"],
      ["GetInsightSelectors", { TrailName: arn }, "UnsupportedOperationException"],
    ];
    const got = [];
    for (const [operation, input] of expectations) got.push([operation, input, await failing(operation, input)]);
    expect(got).toEqual(expectations);
    await ok("DeleteTrail", { Name: arn });

    // Every operation this service implements was seen answering successfully.
    const succeeded = new Set(answers.filter((a) => a.status === 200).map((a) => a.operation));
    expect([...METHODS.keys()].filter((name) => !succeeded.has(name))).toEqual([]);

    const problems: string[] = [];
    for (const a of answers) {
      const op = model.operations[a.operation];
      if (a.status === 200) {
        if (op?.output) problems.push(...shapeProblems(model, op.output.shape, a.body, `${a.operation}`));
        else if (Object.keys(a.body).length > 0) problems.push(`${a.operation}: the model has no output, the answer has ${Object.keys(a.body)}`);
        continue;
      }
      const type = String(a.body.__type);
      const listed = new Set((op?.errors ?? []).map((e) => e.shape));
      if (!listed.has(type) && !COMMON_ERRORS.has(type) && !EXTENSION_ERRORS.has(type))
        problems.push(`${a.operation}: __type ${type} is not among its errors (${[...listed]})`);
      if (listed.has(type) && !model.shapes[type]?.exception) problems.push(`${a.operation}: ${type} is not an exception shape`);
      if (typeof a.body.message !== "string" || a.body.message === "") problems.push(`${a.operation} ${type}: no message`);
    }
    expect(problems).toEqual([]);
  }, 120_000);

  test("the checker itself finds what it is there to find", () => {
    expect(shapeProblems(model, "Trail", { Name: "x", IsMultiRegionTrail: "false", Colour: "red" }, "Trail")).toEqual([
      'Trail.IsMultiRegionTrail: expected a boolean (Boolean), got "false"',
      "Trail.Colour: not a member of Trail",
    ]);
    expect(shapeProblems(model, "Tag", {}, "Tag")).toEqual(["Tag.Key: required by Tag, missing"]);
    expect(shapeProblems(model, "EventSelector", { ReadWriteType: "Sometimes" }, "S")[0]).toContain("one of ReadOnly, WriteOnly, All");
    expect(shapeProblems(model, "Event", { EventTime: "2026-11-24T10:00:00Z", Project: "default" }, "E")).toEqual([
      'E.EventTime: expected epoch seconds (Date), got "2026-11-24T10:00:00Z"',
    ]);
  });
});
