import { describe, expect, test } from "bun:test";
import { DomainError, ERROR_STATUS, errorCodeOfStatus, errorStatus, isDomainError, isErrorCode, type ErrorCode } from "./errors.ts";

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
  test("throttling is 400 on the CloudTrail API, as AWS answers it, and 429 on the JSON APIs", () => {
    expect(errorStatus("ThrottlingException", "cloudtrail")).toBe(400);
    expect(errorStatus("ThrottlingException", "json")).toBe(429);
    expect(errorStatus("AccessDeniedException", "json")).toBe(403);
  });
  test("a bare HTTP status maps to the code of that status", () => {
    const pairs: [number, ErrorCode][] = [
      [400, "ValidationException"],
      [401, "UnauthorizedException"],
      [403, "AccessDeniedException"],
      [404, "NotFoundException"],
      [409, "ConflictException"],
      [413, "PayloadTooLargeException"],
      [429, "ThrottlingException"],
      [500, "InternalFailure"],
      [503, "ServiceUnavailableException"],
    ];
    for (const [status, code] of pairs) expect(errorCodeOfStatus(status)).toBe(code);
  });
  test("details and Retry-After travel with the error", () => {
    const e = new DomainError("ThrottlingException", "slow down", { retryAfterSeconds: 900, details: { errors: [] } });
    expect(e.retryAfterSeconds).toBe(900);
    expect(e.details).toEqual({ errors: [] });
  });
});
