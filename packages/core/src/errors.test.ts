import { describe, expect, test } from "bun:test";
import { DomainError, ERROR_STATUS, isDomainError, isErrorCode, type ErrorCode } from "./errors.ts";

describe("DomainError", () => {
  const cases: [ErrorCode, number][] = [
    ["InvalidTimeRangeException", 400],
    ["InsufficientS3BucketPolicyException", 403],
    ["AccessDeniedException", 403],
    ["ReportLimitExceededException", 409],
    ["ReportNotFoundException", 404],
    ["UnauthorizedException", 401],
    ["InternalFailure", 500],
  ];
  test.each(cases)("%s → %d", (code, status) => {
    const e = new DomainError(code, "msg");
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
    expect(e.message).toBe("msg");
    expect(e).toBeInstanceOf(Error);
    expect(isDomainError(e)).toBe(true);
  });
  test("isDomainError rejects plain errors", () => {
    expect(isDomainError(new Error("x"))).toBe(false);
    expect(isDomainError({ code: "AccessDeniedException" })).toBe(false);
  });
  test("every status is a valid HTTP error status", () => {
    for (const s of Object.values(ERROR_STATUS)) expect(s >= 400 && s < 600).toBe(true);
  });
  test("isErrorCode", () => {
    expect(isErrorCode("ThrottlingException")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
  });
});
