import {
  CLOUDTRAIL_EVENT_SOURCE,
  DEFAULT_PROJECT,
  errorCodeOfStatus,
  type EventType,
  redactSecrets,
  type Resource,
  type StoredEvent,
  toStoredEvent,
} from "@activity-log/core";
import type { MiddlewareHandler } from "hono";
import { insertEvents } from "./db/events.ts";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./http-context.ts";
import { sourceIpOf } from "./source-ip.ts";

/**
 * Every call of this service's own APIs becomes an event, like any other service's calls. Routers
 * describe the call in `c.get("call")`; this middleware turns it into a stored event once the
 * response (or error) is decided. Recording never fails a response: a failure is logged.
 */

/** An event that is not the record of an HTTP call handled right now (sign-out by expiry, …). */
export interface RecordableEvent {
  accountId: string;
  eventName: string;
  project: string;
  userName: string;
  eventType?: EventType;
  eventSource?: string;
  eventTime?: Date;
  accessKeyId?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  additionalEventData?: Record<string, unknown> | null;
  readOnly?: boolean;
  resources?: Resource[];
}

/**
 * Stores one event of this service (secrets redacted; ReadOnly from core unless given) and
 * returns it. Throws when the database does; callers outside a request decide whether to retry.
 */
export async function recordEvent(deps: Pick<AppDeps, "database" | "clock">, e: RecordableEvent): Promise<StoredEvent> {
  const stored = toStoredEvent(
    {
      eventID: undefined,
      eventTime: (e.eventTime ?? deps.clock.now()).toISOString(),
      eventName: e.eventName,
      eventType: e.eventType ?? "AwsApiCall",
      eventSource: e.eventSource ?? CLOUDTRAIL_EVENT_SOURCE,
      recipientAccountId: e.accountId,
      project: e.project,
      userName: e.userName,
      accessKeyId: e.accessKeyId ?? null,
      sourceIPAddress: e.sourceIp ?? null,
      userAgent: e.userAgent ?? null,
      requestID: e.requestId ?? null,
      requestParameters: e.requestParameters ? redactSecrets(e.requestParameters) : null,
      responseElements: e.responseElements ? redactSecrets(e.responseElements) : null,
      errorCode: e.errorCode ?? null,
      errorMessage: e.errorMessage ?? null,
      additionalEventData: e.additionalEventData ? redactSecrets(e.additionalEventData) : null,
      resources: e.resources ?? null,
      readOnly: e.readOnly ?? null,
    },
    { newEventId: () => crypto.randomUUID(), newRequestId: () => crypto.randomUUID() },
  );
  await insertEvents(deps.database, [stored]);
  return stored;
}

/** Middleware: records the call described by `c.get("call")` after the handler ran. */
export function recordCalls(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const call = c.get("call");
    if (!call || call.record === false || !call.eventName || !call.accountId) return;
    const deps = c.get("deps");
    const caller = c.get("caller");
    const status = c.res.status;
    const failed = status >= 400 || call.errorCode !== undefined;
    try {
      await recordEvent(deps, {
        accountId: call.accountId,
        eventName: call.eventName,
        eventType: call.eventType,
        eventSource: call.eventSource,
        project: call.project ?? caller?.project ?? DEFAULT_PROJECT,
        userName: call.userName ?? caller?.userName ?? "unknown",
        accessKeyId: call.accessKeyId !== undefined ? call.accessKeyId : (caller?.accessKeyId ?? null),
        sourceIp: sourceIpOf(c),
        userAgent: c.req.header("user-agent") ?? null,
        requestId: c.get("requestId"),
        requestParameters: call.requestParameters ?? null,
        // A failed call has no response elements to speak of.
        responseElements: failed ? null : (call.responseElements ?? null),
        errorCode: call.errorCode ?? (status >= 400 ? errorCodeOfStatus(status) : null),
        errorMessage: call.errorMessage ?? null,
        additionalEventData: call.additionalEventData ?? null,
        readOnly: call.readOnly,
      });
    } catch (err) {
      deps.logger.error("failed to record a call as an event", {
        eventName: call.eventName,
        accountId: call.accountId,
        error: String(err),
      });
    }
  };
}
