/**
 * What the console API answers: plain JSON shapes (ISO strings for times) that the SPA reads
 * through the typed client. Kept apart from the stored rows so a column rename never leaks to the UI.
 */
import { type EventFilter, type EventType, formatEventTime, type StoredEvent, toCloudTrailRecord } from "@activity-log/core";

/** One row of the Events table. */
export type ConsoleEvent = {
  eventID: string;
  eventTime: string;
  eventName: string;
  eventType: EventType;
  eventSource: string;
  project: string;
  readOnly: boolean;
  userName: string;
  accessKeyId: string | null;
  sourceIPAddress: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  resources: { type: string; name: string }[];
};

/** Everything the Event details panel shows, and the raw CloudTrail record. */
export type ConsoleEventDetails = ConsoleEvent & {
  userAgent: string | null;
  requestID: string | null;
  recipientAccountId: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData: Record<string, unknown> | null;
  record: Record<string, unknown>;
};

export function toConsoleEvent(e: StoredEvent): ConsoleEvent {
  return {
    eventID: e.eventId,
    eventTime: formatEventTime(e.eventTime),
    eventName: e.eventName,
    eventType: e.eventType,
    eventSource: e.eventSource,
    project: e.project,
    readOnly: e.readOnly,
    userName: e.userName,
    accessKeyId: e.accessKeyId,
    sourceIPAddress: e.sourceIp,
    errorCode: e.errorCode,
    errorMessage: e.errorMessage,
    resources: e.resources.map((r) => ({ type: r.type, name: r.name })),
  };
}

export function toConsoleEventDetails(e: StoredEvent, region: string): ConsoleEventDetails {
  return {
    ...toConsoleEvent(e),
    userAgent: e.userAgent,
    requestID: e.requestId,
    recipientAccountId: e.accountId,
    requestParameters: e.requestParameters,
    responseElements: e.responseElements,
    additionalEventData: e.additionalEventData,
    record: toCloudTrailRecord(e, region),
  };
}

/** The filter as the console shows it back (report rows, summaries). */
export type ConsoleFilter = {
  eventName?: string;
  readOnly?: boolean;
  userName?: string;
  resourceName?: string;
  eventSource?: string;
  project?: string;
  accessKeyId?: string;
  errorsOnly?: boolean;
  search?: string;
};

export function toConsoleFilter(f: EventFilter): ConsoleFilter {
  const out: ConsoleFilter = {};
  for (const k of ["eventName", "userName", "resourceName", "eventSource", "project", "accessKeyId", "search"] as const) {
    if (typeof f[k] === "string") out[k] = f[k];
  }
  if (typeof f.readOnly === "boolean") out.readOnly = f.readOnly;
  if (f.errorsOnly) out.errorsOnly = true;
  return out;
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
