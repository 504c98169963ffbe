import { describe, expect, test } from "bun:test";
import { DomainError } from "./errors.ts";
import { DEFAULT_QUOTAS, effectiveQuotas, parseQuotaName, validateQuotaValue, type QuotaName } from "./limits.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (e) {
    return e instanceof DomainError ? e.code : "other";
  }
}

test("defaults match SPEC", () => {
  expect(DEFAULT_QUOTAS).toEqual({ trails: 2, retentionDays: 30, reportsStored: 5, reportsGenerating: 2, reportTtlHours: 72, rules: 10 });
});

describe("effectiveQuotas", () => {
  const cases: [string, Partial<Record<string, number>>, Partial<Record<QuotaName, number>>][] = [
    ["none", {}, {}],
    ["one override", { retentionDays: 365 }, { retentionDays: 365 }],
    ["several", { trails: 5, reportsStored: 10 }, { trails: 5, reportsStored: 10 }],
    ["unknown ignored", { bogus: 3 }, {}],
    ["invalid ignored", { trails: 0, retentionDays: 1.5, reportsStored: 99999 }, {}],
  ];
  for (const [label, overrides, changed] of cases) test(label, () => expect(effectiveQuotas(overrides)).toEqual({ ...DEFAULT_QUOTAS, ...changed }));
  test("does not mutate defaults", () => {
    effectiveQuotas({ trails: 9 });
    expect(DEFAULT_QUOTAS.trails).toBe(2);
  });
});

describe("parseQuotaName", () => {
  test.each(["trails", "retentionDays", "reportTtlHours"])("%s", (n) => expect(parseQuotaName(n)).toBe(n as QuotaName));
  test.each(["Trails", "retention", "", "toString"])("rejects %p", (n) => expect(codeOf(() => parseQuotaName(n))).toBe("ValidationException"));
  test("message lists valid names", () => expect(() => parseQuotaName("x")).toThrow("trails, retentionDays"));
});

describe("validateQuotaValue", () => {
  const cases: [QuotaName, unknown, string][] = [
    ["retentionDays", 365, "none"],
    ["retentionDays", 3650, "none"],
    ["retentionDays", 3651, "ValidationException"],
    ["trails", 0, "ValidationException"],
    ["trails", -1, "ValidationException"],
    ["trails", 2.5, "ValidationException"],
    ["trails", "3", "ValidationException"],
    ["reportsGenerating", 1, "none"],
  ];
  for (const [name, n, expected] of cases) test(`${name}=${String(n)}`, () => expect(codeOf(() => validateQuotaValue(name, n))).toBe(expected));
});
