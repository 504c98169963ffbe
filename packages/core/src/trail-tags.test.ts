import { describe, expect, test } from "bun:test";
import { isDomainError } from "./errors.ts";
import { parseTrailResourceArn } from "./trail.ts";
import { addTrailTags, parseTagsList, removeTrailTags, TRAIL_TAG_LIMITS } from "./trail-tags.ts";

const codeOf = (f: () => unknown) => {
  try {
    f();
    return "none";
  } catch (e) {
    return isDomainError(e) ? e.code : String(e);
  }
};

describe("parseTagsList", () => {
  test("keys and values as given; a missing value stays missing; absent means none", () => {
    expect(parseTagsList([{ Key: "team", Value: "sec ops" }, { Key: "env" }])).toEqual([{ Key: "team", Value: "sec ops" }, { Key: "env" }]);
    expect(parseTagsList(undefined)).toEqual([]);
    expect(parseTagsList([{ Key: "k", Value: "" }])).toEqual([{ Key: "k", Value: "" }]);
  });

  test("the length limits count characters, not bytes", () => {
    const key = "ключ".repeat(32); // 128 characters, 256 bytes
    expect(parseTagsList([{ Key: key, Value: "я".repeat(TRAIL_TAG_LIMITS.valueLength) }])).toHaveLength(1);
    expect(codeOf(() => parseTagsList([{ Key: `${key}x` }]))).toBe("InvalidTagParameterException");
    expect(codeOf(() => parseTagsList([{ Key: "k", Value: "v".repeat(257) }]))).toBe("InvalidTagParameterException");
  });

  const bad: [string, unknown][] = [
    ["not a list", { Key: "k" }],
    ["a tag that is not an object", ["k"]],
    ["a missing key", [{ Value: "v" }]],
    ["an empty key", [{ Key: "" }]],
    ["a non-string value", [{ Key: "k", Value: 5 }]],
    ["a character tags do not allow", [{ Key: "a<b" }]],
    ["the reserved aws: prefix", [{ Key: "AWS:owner" }]],
    ["a key twice", [{ Key: "k" }, { Key: "k", Value: "2" }]],
  ];
  for (const [what, input] of bad)
    test(`${what} is InvalidTagParameterException`, () => expect(codeOf(() => parseTagsList(input))).toBe("InvalidTagParameterException"));
});

describe("adding and removing", () => {
  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: String(i) }));

  test("a known key takes the new value; the order of first appearance is kept", () => {
    expect(addTrailTags([{ Key: "a", Value: "1" }, { Key: "b" }], [{ Key: "a", Value: "2" }, { Key: "c" }])).toEqual([
      { Key: "a", Value: "2" },
      { Key: "b" },
      { Key: "c" },
    ]);
  });

  test("50 tags fit, the 51st is TagsLimitExceededException; overwriting one of 50 is fine", () => {
    expect(addTrailTags([], fifty)).toHaveLength(50);
    expect(codeOf(() => addTrailTags(fifty, [{ Key: "one-more" }]))).toBe("TagsLimitExceededException");
    expect(addTrailTags(fifty, [{ Key: "k0", Value: "new" }])[0]).toEqual({ Key: "k0", Value: "new" });
  });

  test("removal is by key; unknown keys are ignored", () => {
    expect(removeTrailTags([{ Key: "a", Value: "1" }, { Key: "b" }], [{ Key: "a", Value: "other" }, { Key: "zz" }])).toEqual([{ Key: "b" }]);
  });
});

describe("parseTrailResourceArn", () => {
  test("a trail ARN", () =>
    expect(parseTrailResourceArn("arn:aws:cloudtrail:eu-1:123456789012:trail/t01")).toMatchObject({ name: "t01", accountId: "123456789012" }));
  test("a bare name or garbage is CloudTrailARNInvalidException", () => {
    for (const id of ["t01", "", 5, "arn:aws:s3:::bucket", "arn:aws:cloudtrail:eu-1:123456789012:trail/a..b"])
      expect(codeOf(() => parseTrailResourceArn(id))).toBe("CloudTrailARNInvalidException");
  });
  test("another CloudTrail resource type is ResourceTypeNotSupportedException", () =>
    expect(codeOf(() => parseTrailResourceArn("arn:aws:cloudtrail:eu-1:123456789012:eventdatastore/abc"))).toBe("ResourceTypeNotSupportedException"));
});
