import { describe, expect, test } from "bun:test";
import { DomainError } from "./errors.ts";
import { searchTextOf, type StoredEvent } from "./event.ts";
import { MAX_RULE_EVENT_NAMES, parseRuleFilter, RULE_TEMPLATES, ruleMatches, ruleNameProblem, validateRuleName } from "./rule.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (e) {
    return e instanceof DomainError ? e.code : "other";
  }
}

function event(over: Partial<StoredEvent> = {}): StoredEvent {
  const base = {
    eventId: "ev-1",
    accountId: "123456789012",
    project: "production",
    eventTime: new Date(0),
    eventName: "TerminateInstances",
    eventType: "AwsApiCall" as const,
    eventSource: "ec2.amazonaws.com",
    readOnly: false,
    userName: "alice",
    accessKeyId: "AKIA1",
    sourceIp: "10.0.0.1",
    userAgent: "aws-cli/2",
    requestId: "req-1",
    errorCode: null,
    errorMessage: null,
    requestParameters: { instanceId: "i-0abc", Note: "Ünïcode" },
    responseElements: null,
    additionalEventData: null,
    resources: [{ type: "AWS::EC2::Instance", name: "i-0abc" }],
    resourceIds: ["i-0abc"],
    ...over,
  };
  return { ...base, searchText: over.searchText ?? searchTextOf(base) };
}

describe("rule names follow the trail-name rules", () => {
  test.each([
    ["prod-terminations", null],
    ["ab", "3 to 128"],
    ["-bad", "start and end"],
    ["a..b", "adjacent"],
    ["has space", "only ASCII"],
    ["x".repeat(129), "3 to 128"],
  ])("%s", (name, problem) => {
    const p = ruleNameProblem(name);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toContain(problem);
  });
  test("invalid names are InvalidRuleNameException", () => {
    expect(codeOf(() => validateRuleName("a"))).toBe("InvalidRuleNameException");
    expect(validateRuleName("alerts.main")).toBe("alerts.main");
  });
});

describe("parseRuleFilter", () => {
  test("keeps attributes, drops empty form fields", () => {
    expect(parseRuleFilter({ eventName: "StopLogging", userName: "", readOnly: null, errorsOnly: false, eventNames: ["A", "B", "A"] })).toEqual({
      eventName: "StopLogging",
      eventNames: ["A", "B"],
    });
    expect(parseRuleFilter(undefined)).toEqual({});
    expect(parseRuleFilter({ readOnly: false, errorsOnly: true, search: "i-0ab" })).toEqual({ readOnly: false, errorsOnly: true, search: "i-0ab" });
  });
  test.each([
    [{ eventId: "x" }, "eventId is not allowed"],
    [{ evntName: "x" }, "not a filter attribute"],
    [{ eventName: 3 }, "must be a string"],
    [{ readOnly: "true" }, "true or false"],
    [{ search: "ab" }, "3 to 200"],
    [{ eventNames: "StopLogging" }, "list"],
    [{ eventNames: Array.from({ length: MAX_RULE_EVENT_NAMES + 1 }, (_, i) => `E${i}`) }, "at most 20"],
    [{ eventNames: [""] }, "non-empty"],
    [{ userName: "a\u0000b" }, "NUL"],
    [{ userName: "\ud800" }, "lone surrogate"],
    [{ project: "p".repeat(65) }, "at most 64"],
    [[], "must be an object"],
  ])("refuses %j", (input, message) => {
    expect(codeOf(() => parseRuleFilter(input))).toBe("InvalidEventFilterException");
    expect(() => parseRuleFilter(input)).toThrow(message);
  });
});

describe("ruleMatches: each attribute as the events query tests it", () => {
  const e = event();
  test.each([
    [{}, true],
    [{ eventName: "TerminateInstances" }, true],
    [{ eventName: "terminateinstances" }, false],
    [{ eventNames: ["StopInstances", "TerminateInstances"] }, true],
    [{ eventNames: ["StopInstances"] }, false],
    [{ eventName: "TerminateInstances", eventNames: ["StopInstances"] }, false],
    [{ readOnly: false }, true],
    [{ readOnly: true }, false],
    [{ userName: "alice" }, true],
    [{ userName: "Alice" }, false],
    [{ eventSource: "ec2.amazonaws.com" }, true],
    [{ accessKeyId: "AKIA1" }, true],
    [{ accessKeyId: "AKIA2" }, false],
    [{ project: "production" }, true],
    [{ project: "staging" }, false],
    [{ errorsOnly: true }, false],
    [{ resourceName: "i-0abc" }, true],
    [{ resourceName: "i-0ab" }, false],
    [{ resourceType: "AWS::EC2::Instance" }, true],
    [{ resourceType: "AWS::EC2::Volume" }, false],
    [{ search: "i-0ab" }, true],
    [{ search: "I-0AB" }, false],
    [{ search: "Ünïcode" }, true],
    [{ search: "instanceId" }, true],
    [{ project: "production", eventName: "TerminateInstances", userName: "bob" }, false],
  ])("%j → %p", (filter, expected) => {
    expect(ruleMatches(filter, e)).toBe(expected);
  });
  test("errorsOnly: any error code", () => {
    expect(ruleMatches({ errorsOnly: true }, event({ errorCode: "AccessDenied" }))).toBe(true);
  });
  test("an event without an access key never matches an access key filter", () => {
    expect(ruleMatches({ accessKeyId: "AKIA1" }, event({ accessKeyId: null }))).toBe(false);
  });
  test("search looks in the stored search text, not a re-rendering", () => {
    expect(ruleMatches({ search: "needle" }, event({ searchText: "a\nneedle\nb" }))).toBe(true);
    expect(ruleMatches({ search: "e\nt" }, event({ searchText: "one\ntwo" }))).toBe(true);
  });
});

describe("templates", () => {
  test("audit-trail tampering, failed sign-ins, terminations in a project", () => {
    const byId = Object.fromEntries(RULE_TEMPLATES.map((t) => [t.id, t]));
    const tampering = byId["audit-trail-tampering"]!;
    for (const name of ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"])
      expect(ruleMatches(tampering.filter, event({ eventName: name }))).toBe(true);
    expect(ruleMatches(tampering.filter, event({ eventName: "StartLogging" }))).toBe(false);
    const signIns = byId["failed-console-sign-ins"]!;
    expect(ruleMatches(signIns.filter, event({ eventName: "ConsoleLogin", errorCode: "FailedAuthentication" }))).toBe(true);
    expect(ruleMatches(signIns.filter, event({ eventName: "ConsoleLogin" }))).toBe(false);
    expect(byId["terminated-instances"]!.needs).toEqual(["project"]);
    for (const t of RULE_TEMPLATES) expect(parseRuleFilter(t.filter)).toEqual(t.filter);
  });
});
