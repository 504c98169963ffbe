import { describe, expect, test } from "bun:test";
import { DomainError, type ErrorCode } from "./errors.ts";
import {
  assertPageTokenBinding,
  canonicalJson,
  decodePageToken,
  encodePageToken,
  filterFingerprint,
  filterFromLookupAttributes,
  parseEpochSeconds,
  resolveTimeWindow,
  validateMaxResults,
  validateSearch,
  type EventFilter,
  type PageTokenPayload,
} from "./lookup.ts";

function codeOf(fn: () => unknown): ErrorCode | "none" {
  try {
    fn();
    return "none";
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}

const attr = (AttributeKey: string, AttributeValue: unknown) => ({ AttributeKey, AttributeValue });

describe("filterFromLookupAttributes", () => {
  test("a NUL in an attribute value is InvalidLookupAttributesException; the text \\u0000 is a value like any other", () => {
    expect(codeOf(() => filterFromLookupAttributes([attr("EventName", "Stop\u0000Logging")]))).toBe("InvalidLookupAttributesException");
    expect(filterFromLookupAttributes([attr("Username", "\\u0000")])).toEqual({ userName: "\\u0000" });
  });

  const ok: [string, unknown, EventFilter][] = [
    ["undefined", undefined, {}],
    ["empty", [], {}],
    ["EventName", [attr("EventName", "RunInstances")], { eventName: "RunInstances" }],
    ["ReadOnly true", [attr("ReadOnly", "true")], { readOnly: true }],
    ["ReadOnly false", [attr("ReadOnly", "false")], { readOnly: false }],
    [
      "all keys ANDed",
      [
        attr("EventId", "e"),
        attr("Username", "u"),
        attr("ResourceName", "i-1"),
        attr("ResourceType", "AWS::EC2::Instance"),
        attr("EventSource", "ec2.amazonaws.com"),
        attr("AccessKeyId", "AKIA"),
        attr("Project", "p"),
      ],
      {
        eventId: "e",
        userName: "u",
        resourceName: "i-1",
        resourceType: "AWS::EC2::Instance",
        eventSource: "ec2.amazonaws.com",
        accessKeyId: "AKIA",
        project: "p",
      },
    ],
    ["same key same value", [attr("Username", "u"), attr("Username", "u")], { userName: "u" }],
    ["max length value", [attr("Username", "u".repeat(2000))], { userName: "u".repeat(2000) }],
  ];
  for (const [label, input, expected] of ok) test(`accepts ${label}`, () => expect(filterFromLookupAttributes(input)).toEqual(expected));

  const bad: [string, unknown][] = [
    ["not an array", { AttributeKey: "EventName" }],
    ["null item", [null]],
    ["unknown key", [attr("Region", "x")]],
    ["lower-case key", [attr("eventName", "x")]],
    ["empty value", [attr("EventName", "")]],
    ["too long value", [attr("EventName", "x".repeat(2001))]],
    ["number value", [attr("EventName", 5)]],
    ["ReadOnly yes", [attr("ReadOnly", "yes")]],
    ["ReadOnly True", [attr("ReadOnly", "True")]],
    ["same key, different values", [attr("EventName", "A"), attr("EventName", "B")]],
  ];
  for (const [label, input] of bad)
    test(`rejects ${label}`, () => expect(codeOf(() => filterFromLookupAttributes(input))).toBe("InvalidLookupAttributesException"));
});

describe("validateSearch", () => {
  const cases: [unknown, string | undefined | ErrorCode][] = [
    [undefined, undefined],
    ["", undefined],
    ["a", "InvalidParameterException"],
    ["ab", "InvalidParameterException"],
    ["abc", "abc"],
    ["i-0abc", "i-0abc"],
    ["x".repeat(201), "InvalidParameterException"],
    [5, "InvalidParameterException"],
    ["ab\u0000c", "InvalidParameterException"],
    ["\\u0000", "\\u0000"],
  ];
  for (const [input, expected] of cases)
    test(`${JSON.stringify(input)}`, () => {
      if (expected === "InvalidParameterException") {
        expect(codeOf(() => validateSearch(input))).toBe(expected);
      } else expect(validateSearch(input)).toBe(expected);
    });
  test("message", () => expect(() => validateSearch("ab")).toThrow("Search text must be at least 3 characters."));
});

describe("resolveTimeWindow", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  const d = (s: string) => new Date(s);
  const cases: [string, { start?: Date; end?: Date }, { start: string; end: string; empty: boolean } | ErrorCode][] = [
    ["defaults to retention", {}, { start: "2026-10-25T12:00:00.000Z", end: "2026-11-24T12:00:00.000Z", empty: false }],
    [
      "inside",
      { start: d("2026-11-20T00:00:00Z"), end: d("2026-11-21T00:00:00Z") },
      { start: "2026-11-20T00:00:00.000Z", end: "2026-11-21T00:00:00.000Z", empty: false },
    ],
    [
      "start equals end",
      { start: d("2026-11-20T00:00:00Z"), end: d("2026-11-20T00:00:00Z") },
      { start: "2026-11-20T00:00:00.000Z", end: "2026-11-20T00:00:00.000Z", empty: false },
    ],
    ["start clamped", { start: d("2026-01-01T00:00:00Z") }, { start: "2026-10-25T12:00:00.000Z", end: "2026-11-24T12:00:00.000Z", empty: false }],
    ["end clamped to now", { end: d("2027-01-01T00:00:00Z") }, { start: "2026-10-25T12:00:00.000Z", end: "2026-11-24T12:00:00.000Z", empty: false }],
    [
      "entirely before retention",
      { start: d("2026-01-01T00:00:00Z"), end: d("2026-02-01T00:00:00Z") },
      { start: "2026-10-25T12:00:00.000Z", end: "2026-10-25T12:00:00.000Z", empty: true },
    ],
    [
      "entirely in the future",
      { start: d("2027-01-01T00:00:00Z"), end: d("2027-02-01T00:00:00Z") },
      { start: "2026-10-25T12:00:00.000Z", end: "2026-10-25T12:00:00.000Z", empty: true },
    ],
    ["start after end", { start: d("2026-11-21T00:00:00Z"), end: d("2026-11-20T00:00:00Z") }, "InvalidTimeRangeException"],
    ["start in future without end", { start: d("2026-11-25T00:00:00Z") }, "InvalidTimeRangeException"],
    ["invalid date", { start: new Date(Number.NaN) }, "InvalidTimeRangeException"],
  ];
  for (const [label, input, expected] of cases)
    test(label, () => {
      if (typeof expected === "string") return expect(codeOf(() => resolveTimeWindow(input, now, 30))).toBe(expected);
      const w = resolveTimeWindow(input, now, 30);
      expect({ start: w.start.toISOString(), end: w.end.toISOString(), empty: w.empty }).toEqual(expected);
    });
});

describe("parseEpochSeconds", () => {
  test("number", () => expect(parseEpochSeconds(1_700_000_000.5, "StartTime")?.toISOString()).toBe("2023-11-14T22:13:20.500Z"));
  test("absent", () => expect(parseEpochSeconds(undefined, "StartTime")).toBeUndefined());
  for (const bad of ["x", Number.NaN, Infinity, {}, 1e20])
    test(`rejects ${String(bad)}`, () => expect(codeOf(() => parseEpochSeconds(bad, "StartTime"))).toBe("InvalidTimeRangeException"));
});

describe("validateMaxResults", () => {
  const cases: [unknown, number | ErrorCode][] = [
    [undefined, 50],
    [null, 50],
    [1, 1],
    [1000, 1000],
    [0, "InvalidMaxResultsException"],
    [1001, "InvalidMaxResultsException"],
    [-5, "InvalidMaxResultsException"],
    [2.5, "InvalidMaxResultsException"],
    ["10", "InvalidMaxResultsException"],
  ];
  for (const [input, expected] of cases)
    test(`${String(input)}`, () => {
      if (typeof expected === "string") expect(codeOf(() => validateMaxResults(input))).toBe(expected);
      else expect(validateMaxResults(input)).toBe(expected);
    });
});

describe("filterFingerprint", () => {
  test("key order does not matter, undefined dropped", () => {
    expect(filterFingerprint({ userName: "u", eventName: "E", project: undefined })).toBe(filterFingerprint({ eventName: "E", userName: "u" }));
  });
  test("changes with filter and requested window", () => {
    const a = filterFingerprint({ eventName: "E" }, { start: new Date(0) });
    expect(a).not.toBe(filterFingerprint({ eventName: "F" }, { start: new Date(0) }));
    expect(a).not.toBe(filterFingerprint({ eventName: "E" }, { start: new Date(1000) }));
    expect(a).not.toBe(filterFingerprint({ eventName: "E" }));
  });
  test("canonicalJson", () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});

describe("page tokens", () => {
  // A fake signer: real HMAC lives in the api.
  const sign = (data: string) => `sig${data.length}`;
  const verify = (data: string, sig: string) => sig === sign(data);
  const payload: PageTokenPayload = {
    v: 1,
    accountId: "acme",
    filterHash: "h1",
    windowStart: "2026-11-01T00:00:00.000Z",
    windowEnd: "2026-11-24T00:00:00.000Z",
    lastTime: "2026-11-23T10:00:00.000Z",
    lastId: "ev-ü-1",
  };
  const token = encodePageToken(payload, sign);

  test("round trip", () => expect(decodePageToken(token, verify)).toEqual(payload));
  test("url safe", () => expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/));

  const bad: [string, string][] = [
    ["empty", ""],
    ["no dot", token.replace(".", "")],
    ["no signature", token.slice(0, token.lastIndexOf(".") + 1)],
    ["wrong signature", `${token.slice(0, token.lastIndexOf(".") + 1)}sig0`],
    ["tampered data", `x${token}`],
    ["garbage", "!!!.sig3"],
    ["too long", "a".repeat(5000)],
  ];
  for (const [label, t] of bad) test(`rejects ${label}`, () => expect(codeOf(() => decodePageToken(t, verify))).toBe("InvalidNextTokenException"));

  test("rejects a well-signed token with a wrong shape", () => {
    const t = encodePageToken({ ...payload, v: 2 } as unknown as PageTokenPayload, sign);
    expect(codeOf(() => decodePageToken(t, verify))).toBe("InvalidNextTokenException");
  });
  test("verify that throws counts as invalid", () => {
    expect(
      codeOf(() =>
        decodePageToken(token, () => {
          throw new Error("x");
        }),
      ),
    ).toBe("InvalidNextTokenException");
  });
  test("binding", () => {
    expect(codeOf(() => assertPageTokenBinding(payload, { accountId: "acme", filterHash: "h1" }))).toBe("none");
    expect(codeOf(() => assertPageTokenBinding(payload, { accountId: "other", filterHash: "h1" }))).toBe("InvalidNextTokenException");
    expect(codeOf(() => assertPageTokenBinding(payload, { accountId: "acme", filterHash: "h2" }))).toBe("InvalidNextTokenException");
  });
});
