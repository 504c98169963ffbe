import { CLOUDTRAIL_EVENT_SOURCE, type EventType, type Resource, type StoredEvent, toStoredEvent } from "@activity-log/core";
import type { Context, MiddlewareHandler } from "hono";
import { insertEvents } from "./db/events.ts";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./http-context.ts";
import { sourceIpOf } from "./source-ip.ts";

/**
 * Every call of this service's own APIs becomes an event, like any other service's calls. Routers
 * describe the call in `c.get("call")`; this middleware turns it into a stored event once the
 * response (or error) is decided. Recording never fails a response: a failure is logged.
 */

export const HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";

/** Key names whose values are secrets: passwords, secret keys, tokens, credentials. */
const SECRET_KEY_NAME = /password|passwd|secret|token|credential|authorization|cookie|private_?key/i;
/** Pagination tokens are not secrets and are useful when reading a call back. */
const NOT_SECRET = new Set(["nexttoken", "paginationtoken"]);

export function isSecretKeyName(key: string): boolean {
  return SECRET_KEY_NAME.test(key) && !NOT_SECRET.has(key.toLowerCase());
}

/** A deep copy with the values of secret-named keys replaced, at any depth. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKeyName(k) && v !== null && v !== undefined ? HIDDEN : redactSecrets(v);
    return out as T;
  }
  return value;
}

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
        project: call.project ?? caller?.project ?? "default",
        userName: call.userName ?? caller?.userName ?? "unknown",
        accessKeyId: call.accessKeyId !== undefined ? call.accessKeyId : (caller?.accessKeyId ?? null),
        sourceIp: sourceIpOf(c),
        userAgent: c.req.header("user-agent") ?? null,
        requestId: c.get("requestId"),
        requestParameters: call.requestParameters ?? null,
        // A failed call has no response elements to speak of.
        responseElements: failed ? null : (call.responseElements ?? null),
        errorCode: call.errorCode ?? (status >= 400 ? httpErrorCode(status) : null),
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

function httpErrorCode(status: number): string {
  if (status === 401) return "UnauthorizedException";
  if (status === 403) return "AccessDeniedException";
  if (status === 404) return "NotFoundException";
  if (status === 409) return "ConflictException";
  if (status === 429) return "ThrottlingException";
  if (status >= 500) return "InternalFailure";
  return "ValidationException";
}
