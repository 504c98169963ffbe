import { describe, expect, test } from "bun:test";
import { isReadOnly, readOnlyLabel } from "./read-only.ts";

describe("isReadOnly", () => {
  const cases: [string, boolean][] = [
    ["DescribeInstances", true],
    ["DescribeTrails", true],
    ["GetObject", true],
    ["GetConsoleOutput", true],
    ["ListBuckets", true],
    ["LookupEvents", true],
    ["HeadObject", true],
    ["HeadBucket", true],
    ["SearchResources", true],
    ["SelectObjectContent", true],
    ["Query", true],
    ["Scan", true],
    ["BatchGetItem", true],
    ["ValidateTemplate", true],
    ["SimulatePrincipalPolicy", true],
    ["EstimateTemplateCost", true],
    ["FilterLogEvents", true],
    ["Get", true],
    ["Get2", true],
    ["Decrypt", true],
    ["GenerateDataKey", true],
    ["RunInstances", false],
    ["TerminateInstances", false],
    ["StopInstances", false],
    ["CreateTrail", false],
    ["PutObject", false],
    ["DeleteBucket", false],
    ["BatchWriteItem", false],
    ["Listen", false],
    ["Getaway", false],
    ["Scanner", false],
    ["Describes", false],
    ["describeInstances", false],
    ["GetSessionToken", false],
    ["GetFederationToken", false],
    ["ConsoleLogin", false],
    ["ConsoleSignOut", false],
    ["CheckMfa", false],
    ["SwitchRole", false],
    ["toString", false],
    ["constructor", false],
    ["", false],
  ];
  test.each(cases)("%s → %p", (name, expected) => {
    expect(isReadOnly(name)).toBe(expected);
  });
});

test("readOnlyLabel", () => {
  expect(readOnlyLabel(true)).toBe("Yes");
  expect(readOnlyLabel(false)).toBe("No");
});
