import { describe, expect, test } from "bun:test";
import {
  depthExceeds,
  findTextProblem,
  ingestTextProblem,
  MAX_EVENT_DEPTH,
  MAX_RECORDED_FIELD_BYTES,
  recordableField,
  validateIngestBatch,
  wellFormed,
} from "./index.ts";

/** `{"n": {"n": … leaf}}` nested `levels` objects deep (the outer object is level 1). */
function nested(levels: number, leaf: unknown = "x"): Record<string, unknown> {
  let v: unknown = leaf;
  for (let i = 0; i < levels; i++) v = { n: v };
  return v as Record<string, unknown>;
}

describe("findTextProblem", () => {
  test("names the field holding NUL or a lone surrogate, in keys and values", () => {
    expect(findTextProblem({ a: { b: ["ok", "x\u0000y"] } })).toEqual({ path: "a.b[1]", message: "the value must not contain the NUL character (U+0000)." });
    expect(findTextProblem({ "bad\ud800": 1 })?.path).toBe('["bad\ufffd"]');
    expect(findTextProblem({ a: "\udc00" })?.message).toContain("lone surrogate");
    expect(findTextProblem({ a: "\ud800" }, { surrogates: false })).toBeNull();
  });
  test("accepts what is storable: valid pairs, the 6-character text \\u0000, prototype-like keys", () => {
    expect(findTextProblem({ emoji: "😀", text: "\\u0000", __proto__x: 1, constructor: "c" })).toBeNull();
    expect(findTextProblem(JSON.parse('{"__proto__": {"polluted": "\\\\u0000"}}'))).toBeNull();
  });
  test("depth is counted without recursion, even 100,000 levels deep", () => {
    expect(findTextProblem(nested(32), { maxDepth: 32 })).toBeNull();
    expect(findTextProblem(nested(33), { maxDepth: 32 })?.message).toBe("nesting is deeper than 32 levels.");
    expect(depthExceeds(nested(100_000), 32)).toBe(true);
    expect(findTextProblem(nested(100_000), { maxDepth: 32 })?.path).toStartWith("n.n.n");
  });
});

describe("recordableField (what this service records about its own calls)", () => {
  test("lone surrogates become U+FFFD in keys and values; valid text is unchanged", () => {
    expect(recordableField({ Name: "t", Comment: "\ud800", ["k\udfff"]: ["a\ud83d\ude00b"] })).toEqual({ Name: "t", Comment: "\ufffd", "k\ufffd": ["a😀b"] });
    expect(recordableField(null)).toBeNull();
  });
  test("too deep or too large parameters are replaced by the omitted marker", () => {
    expect(recordableField(nested(100_000))).toEqual({ omitted: true, reason: `nested deeper than ${MAX_EVENT_DEPTH} levels` });
    expect(recordableField(nested(MAX_EVENT_DEPTH))).toEqual(nested(MAX_EVENT_DEPTH));
    const big = recordableField({ blob: "x".repeat(MAX_RECORDED_FIELD_BYTES) });
    expect(big).toMatchObject({ omitted: true });
    expect(String(big?.reason)).toContain(`larger than ${MAX_RECORDED_FIELD_BYTES} bytes`);
  });
  test("__proto__ stays a plain key of the copy (no prototype pollution)", () => {
    const copy = recordableField(JSON.parse('{"__proto__": {"admin": true}}'));
    expect(Object.keys(copy!)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
  test("wellFormed leaves valid text alone", () => {
    expect(wellFormed("plain")).toBe("plain");
    expect(wellFormed("\ud800\ud800\udc00")).toBe("\ufffd\ud800\udc00");
  });
});

describe("ingest batches", () => {
  const event = (over: Record<string, unknown>) => ({
    eventTime: "2026-11-24T12:00:00Z",
    eventName: "RunInstances",
    eventSource: "ec2.amazonaws.com",
    recipientAccountId: "acme",
    project: "default",
    userName: "alice",
    ...over,
  });
  test("a lone surrogate in a key or a value, NUL, or nesting deeper than the limit is refused naming index and field", () => {
    const r = validateIngestBatch([
      event({}),
      event({ requestParameters: { ["k\ud800"]: 1 } }),
      event({ userAgent: "\udc00" }),
      event({ requestParameters: nested(MAX_EVENT_DEPTH + 1) }),
      event({ requestParameters: { a: "x\u0000" } }),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.index, e.field])).toEqual([
      [1, 'requestParameters["k\ufffd"]'],
      [2, "userAgent"],
      [3, `requestParameters${".n".repeat(MAX_EVENT_DEPTH)}`],
      [4, "requestParameters.a"],
    ]);
    expect(r.errors[2]!.message).toBe(`nesting is deeper than ${MAX_EVENT_DEPTH} levels.`);
  });
  test("the harmless 6-character text \\u0000 and a field nested exactly at the limit are accepted", () => {
    const r = validateIngestBatch([event({ requestParameters: { text: "\\u0000", deep: nested(MAX_EVENT_DEPTH - 1) } })]);
    expect(r.ok).toBe(true);
    expect(ingestTextProblem(event({ requestParameters: nested(100_000) }))?.message).toContain("deeper");
  });
});
