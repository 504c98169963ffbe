import { describe, expect, test } from "bun:test";
import { DomainError } from "./errors.ts";
import {
  archiveKey,
  bucketNameProblem,
  compactUtc,
  DELIVERY_RETRY_CAP_MS,
  deliveryRetryDelayMs,
  digestKey,
  hourOf,
  parseEventSelectors,
  parseTrailRef,
  selectorAdmits,
  selectorsAdmit,
  trailArn,
  trailNameProblem,
  validateBucketName,
  validateS3Prefix,
  validateTrailName,
  windowOf,
  windowsBetween,
  type ReadWriteType,
} from "./trail.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (e) {
    return e instanceof DomainError ? e.code : "other";
  }
}

describe("trail names", () => {
  const cases: [string, string | null][] = [
    ["abc", null],
    ["my-trail_1.prod", null],
    ["A1", "3 to 128"],
    ["a".repeat(128), null],
    ["a".repeat(129), "3 to 128"],
    ["", "required"],
    ["my trail", "only ASCII"],
    ["tráil", "only ASCII"],
    ["my/trail", "only ASCII"],
    ["-trail", "start and end"],
    ["trail.", "start and end"],
    ["_trail", "start and end"],
    ["my..trail", "adjacent"],
    ["my-_trail", "adjacent"],
    ["my._trail", "adjacent"],
    ["my--trail", "adjacent"],
    ["192.168.5.4", "IP address"],
    ["192.168.5", null],
  ];
  for (const [name, problem] of cases)
    test(JSON.stringify(name), () => {
      const p = trailNameProblem(name);
      if (problem === null) {
        expect(p).toBeNull();
        expect(validateTrailName(name)).toBe(name);
      } else {
        expect(p).toContain(problem);
        expect(codeOf(() => validateTrailName(name))).toBe("InvalidTrailNameException");
      }
    });
  test("non-string", () => expect(codeOf(() => validateTrailName(5))).toBe("InvalidTrailNameException"));
});

describe("validateS3Prefix", () => {
  test.each([
    [undefined, ""],
    ["", ""],
    ["logs", "logs"],
    ["a".repeat(200), "a".repeat(200)],
    ["team/audit/", "team/audit/"],
    ["a..b/x", "a..b/x"],
  ])("%p", (p, expected) => expect(validateS3Prefix(p)).toBe(expected));
  test.each([
    "a".repeat(201),
    "bad\nprefix",
    "tab\there",
    "nul\u0000",
    "del\u007f",
    "c1\u0085",
    "lone\ud800",
    "\udfff",
    "/rooted",
    "..",
    "../other",
    "logs/../AWSLogs",
    "logs/..",
    5,
  ])("rejects %p", (p) => expect(codeOf(() => validateS3Prefix(p))).toBe("InvalidS3PrefixException"));
});

describe("bucket names", () => {
  const cases: [string, boolean][] = [
    ["my-bucket", true],
    ["my.bucket.1", true],
    ["abc", true],
    ["ab", false],
    ["a".repeat(64), false],
    ["My-Bucket", false],
    ["my_bucket", false],
    ["-bucket", false],
    ["bucket-", false],
    ["my..bucket", false],
    ["my.-bucket", false],
    ["192.168.5.4", false],
    ["xn--bucket", false],
    ["bucket-s3alias", false],
  ];
  for (const [b, ok] of cases)
    test(b, () => {
      expect(bucketNameProblem(b) === null).toBe(ok);
      expect(codeOf(() => validateBucketName(b))).toBe(ok ? "none" : "InvalidS3BucketNameException");
    });
});

describe("ARNs", () => {
  test("trailArn", () => expect(trailArn("eu-1", "acme", "t1")).toBe("arn:aws:cloudtrail:eu-1:acme:trail/t1"));
  const cases: [string, ReturnType<typeof parseTrailRef> | "error"][] = [
    ["t01", { name: "t01" }],
    ["arn:aws:cloudtrail:eu-1:acme:trail/t01", { name: "t01", accountId: "acme", region: "eu-1" }],
    ["arn:aws:cloudtrail::acme:trail/t01", { name: "t01", accountId: "acme" }],
    ["arn:aws:s3:::bucket", "error"],
    ["arn:aws:cloudtrail:eu-1:acme:trail/", "error"],
    ["arn:aws:cloudtrail:eu-1:acme:trail/a..b", "error"],
    ["arn:aws:cloudtrail:eu-1:acme:eventdatastore/t1", "error"],
  ];
  for (const [input, expected] of cases)
    test(input, () => {
      if (expected === "error") expect(codeOf(() => parseTrailRef(input))).toBe("CloudTrailARNInvalidException");
      else expect(parseTrailRef(input)).toEqual(expected);
    });
  test("a name that breaks the naming rules is InvalidTrailNameException, not a missing trail", () => {
    for (const name of ["a..b", "ab", "-abc", "192.168.5.4"]) expect(codeOf(() => parseTrailRef(name))).toBe("InvalidTrailNameException");
  });
  test("round trip", () => expect(parseTrailRef(trailArn("r", "a", "n01"))).toEqual({ name: "n01", accountId: "a", region: "r" }));
});

describe("delivery retry delay", () => {
  const cases: [number, number][] = [
    [1, 60_000],
    [2, 90_000],
    [3, 90_000],
    [40, 90_000],
    [10_000, 90_000],
  ];
  for (const [failures, ms] of cases) test(`after ${failures} failures`, () => expect(deliveryRetryDelayMs(failures)).toBe(ms));
  test("never more than two minutes, however long the outage", () => {
    for (let f = 1; f < 2_000; f++) expect(deliveryRetryDelayMs(f)).toBeLessThanOrEqual(DELIVERY_RETRY_CAP_MS);
    expect(DELIVERY_RETRY_CAP_MS).toBeLessThan(120_000);
  });
});

describe("windows", () => {
  const cases: [string, string][] = [
    ["2026-11-24T10:00:00.000Z", "2026-11-24T10:00:00.000Z"],
    ["2026-11-24T10:04:59.999Z", "2026-11-24T10:00:00.000Z"],
    ["2026-11-24T10:05:00.000Z", "2026-11-24T10:05:00.000Z"],
    ["2026-11-24T23:59:59.000Z", "2026-11-24T23:55:00.000Z"],
  ];
  for (const [t, start] of cases)
    test(`windowOf ${t}`, () => {
      const w = windowOf(new Date(t));
      expect(w.start.toISOString()).toBe(start);
      expect(w.end.getTime() - w.start.getTime()).toBe(300_000);
    });

  const between: [string, string, string[]][] = [
    ["2026-11-24T10:00:00Z", "2026-11-24T10:15:00Z", ["10:00", "10:05", "10:10"]],
    ["2026-11-24T10:02:00Z", "2026-11-24T10:14:59Z", ["10:00", "10:05"]],
    ["2026-11-24T10:02:00Z", "2026-11-24T10:04:00Z", []],
    ["2026-11-24T10:20:00Z", "2026-11-24T10:00:00Z", []],
  ];
  for (const [from, to, starts] of between)
    test(`windowsBetween ${from} ${to}`, () => {
      expect(windowsBetween(new Date(from), new Date(to)).map((w) => w.start.toISOString().slice(11, 16))).toEqual(starts);
    });
  test("windowsBetween limit", () => expect(windowsBetween(new Date(0), new Date(86_400_000), 3)).toHaveLength(3));
  test("hourOf", () => expect(hourOf(new Date("2026-11-24T10:59:00Z")).start.toISOString()).toBe("2026-11-24T10:00:00.000Z"));
  test("compactUtc", () => expect(compactUtc(new Date("2026-01-02T03:05:00Z"))).toBe("20260102T0305Z"));
});

describe("object keys", () => {
  const windowStart = new Date("2026-11-24T10:05:00Z");
  const cases: [string, string][] = [
    ["", "AWSLogs/acme/CloudTrail/eu-1/2026/11/24/acme_CloudTrail_eu-1_20261124T1005Z_abc.tar.gz"],
    ["logs", "logs/AWSLogs/acme/CloudTrail/eu-1/2026/11/24/acme_CloudTrail_eu-1_20261124T1005Z_abc.tar.gz"],
    ["logs/", "logs/AWSLogs/acme/CloudTrail/eu-1/2026/11/24/acme_CloudTrail_eu-1_20261124T1005Z_abc.tar.gz"],
    ["a/b//", "a/b/AWSLogs/acme/CloudTrail/eu-1/2026/11/24/acme_CloudTrail_eu-1_20261124T1005Z_abc.tar.gz"],
  ];
  for (const [prefix, key] of cases)
    test(`archiveKey prefix=${JSON.stringify(prefix)}`, () =>
      expect(archiveKey({ prefix, accountId: "acme", region: "eu-1", windowStart, id: "abc" })).toBe(key));
  test("digestKey: CloudTrail's name, dated by the digest's end (the last hour of a day lands in the next day's folder)", () => {
    expect(digestKey({ prefix: "logs", accountId: "123456789012", region: "eu-1", trailName: "main", hourStart: new Date("2026-11-24T10:00:00Z") })).toBe(
      "logs/AWSLogs/123456789012/CloudTrail-Digest/eu-1/2026/11/24/123456789012_CloudTrail-Digest_eu-1_main_eu-1_20261124T110000Z.json.gz",
    );
    const key = digestKey({ prefix: "", accountId: "123456789012", region: "eu-1", trailName: "main", hourStart: new Date("2026-11-24T23:00:00Z") });
    expect(key).toBe("AWSLogs/123456789012/CloudTrail-Digest/eu-1/2026/11/25/123456789012_CloudTrail-Digest_eu-1_main_eu-1_20261125T000000Z.json.gz");
    // What the AWS CLI's validator matches and reads back (validation.py: _create_digest_key_regex, extract_digest_key_date).
    expect(key).toMatch(/^AWSLogs\/123456789012\/CloudTrail-Digest\/eu-1\/\d+\/\d+\/\d+\/123456789012_CloudTrail-Digest_eu-1_main_eu-1_.+\.json\.gz$/);
    expect(key.slice(-24, -8)).toBe("20261125T000000Z");
  });
});

describe("selectors", () => {
  const admits: [ReadWriteType, boolean, boolean][] = [
    ["All", true, true],
    ["All", false, true],
    ["ReadOnly", true, true],
    ["ReadOnly", false, false],
    ["WriteOnly", true, false],
    ["WriteOnly", false, true],
  ];
  for (const [rwt, ro, expected] of admits) test(`${rwt} readOnly=${ro}`, () => expect(selectorAdmits(rwt, ro)).toBe(expected));

  test("defaults filled", () => expect(parseEventSelectors([{}])).toEqual([{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }]));
  test("full", () =>
    expect(
      parseEventSelectors([
        { ReadWriteType: "WriteOnly", IncludeManagementEvents: false, DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::b/"] }] },
      ]),
    ).toEqual([{ ReadWriteType: "WriteOnly", IncludeManagementEvents: false, DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::b/"] }] }]));

  const bad: [string, unknown][] = [
    ["not array", {}],
    ["empty", []],
    ["six", Array(6).fill({})],
    ["null item", [null]],
    ["bad rwt", [{ ReadWriteType: "Write" }]],
    ["bad include", [{ IncludeManagementEvents: "yes" }]],
    ["bad data resources", [{ DataResources: {} }]],
    ["data resource without type", [{ DataResources: [{ Values: [] }] }]],
    ["data resource bad values", [{ DataResources: [{ Type: "T", Values: [1] }] }]],
  ];
  for (const [label, input] of bad) test(`rejects ${label}`, () => expect(codeOf(() => parseEventSelectors(input))).toBe("InvalidEventSelectorsException"));

  test("selectorsAdmit", () => {
    const s = parseEventSelectors([{ ReadWriteType: "WriteOnly" }, { ReadWriteType: "ReadOnly", IncludeManagementEvents: false }]);
    expect(selectorsAdmit(s, false)).toBe(true);
    expect(selectorsAdmit(s, true)).toBe(false);
  });
});
