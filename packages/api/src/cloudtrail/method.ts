import { type Caller, DomainError, type Quotas } from "@activity-log/core";
import type { AppDeps } from "../deps.ts";
import type { Trail } from "../trails/service.ts";

/** What an operation runs with: the deps of this request, and the caller and its account's quotas, resolved together. */
interface CloudTrailCallContext {
  deps: AppDeps;
  caller: Caller;
  quotas: Quotas;
}

/** One CloudTrail operation: the parsed JSON body in, the JSON response out (dates as epoch seconds). */
export interface CloudTrailMethod {
  name: string;
  /** The members of the operation's input shape in CloudTrail's model: any other member is refused. */
  members: readonly string[];
  run(context: CloudTrailCallContext, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Timestamps travel as epoch seconds in AWS JSON 1.1. */
export function epochSeconds(d: Date | null | undefined): number | undefined {
  return d ? d.getTime() / 1000 : undefined;
}

/** The ISO-8601 strings GetTrailStatus uses for its *Attempt* and TimeLogging* fields. */
export function isoString(d: Date | null | undefined): string | undefined {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : undefined;
}

/** The trail as DescribeTrails / GetTrail / CreateTrail show it. */
export function trailShape(t: Trail): Record<string, unknown> {
  return {
    Name: t.name,
    S3BucketName: t.bucket,
    ...(t.prefix ? { S3KeyPrefix: t.prefix } : {}),
    IncludeGlobalServiceEvents: t.includeGlobalServiceEvents,
    IsMultiRegionTrail: t.isMultiRegionTrail,
    HomeRegion: t.region,
    TrailARN: t.arn,
    LogFileValidationEnabled: t.logFileValidation,
    HasCustomEventSelectors: t.readWriteType !== "All" || !t.includeManagementEvents,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
  };
}

/** A required trail name or ARN parameter (`Name`, `TrailName`). */
export function trailRefParam(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== "string" || value.length === 0) {
    throw new DomainError("InvalidTrailNameException", `${field} is required: give the trail's name or ARN.`);
  }
  return value;
}

/** An optional boolean member: absent (or null) is undefined; anything but a boolean is malformed JSON for it. */
export function optionalBoolean(input: Record<string, unknown>, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new DomainError("SerializationException", `${field} must be true or false.`);
  return value;
}

/**
 * Parameters of services Activity Log does not have: refused, rather than silently ignored, with the
 * code every trail operation's model lists for what a region does not support.
 */
export function refuseUnsupported(input: Record<string, unknown>, fields: string[]): void {
  for (const field of fields) {
    const value = input[field];
    if (value !== undefined && value !== null && value !== "" && value !== false) {
      throw new DomainError("UnsupportedOperationException", `${field} is not supported by Activity Log.`);
    }
  }
}

export const UNSUPPORTED_TRAIL_FIELDS = ["SnsTopicName", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "KmsKeyId", "IsOrganizationTrail"];

/** The members CreateTrail and UpdateTrail share, as the service model lists them (CreateTrail adds TagsList). */
export const TRAIL_SETTING_MEMBERS = [
  "Name",
  "S3BucketName",
  "S3KeyPrefix",
  "SnsTopicName",
  "IncludeGlobalServiceEvents",
  "IsMultiRegionTrail",
  "EnableLogFileValidation",
  "CloudWatchLogsLogGroupArn",
  "CloudWatchLogsRoleArn",
  "KmsKeyId",
  "IsOrganizationTrail",
] as const;
