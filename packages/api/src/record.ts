import {
  CLOUDTRAIL_EVENT_SOURCE,
  DEFAULT_PROJECT,
  DomainError,
  errorCodeOfStatus,
  isReadOnly,
  recordableField,
  type EventType,
  redactSecrets,
  wellFormed,
  type Resource,
  type StoredEvent,
  toStoredEvent,
} from "@activity-log/core";
import type { Context, MiddlewareHandler } from "hono";
import { insertEvents } from "./db/events.ts";
import { ensurePartitions } from "./db/partitions.ts";
import { inTransaction } from "./db/transaction.ts";
import { databaseUnavailableError, isDatabaseUnavailable } from "./db/availability.ts";
import { handleError } from "./http-errors.ts";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./http-context.ts";
import { sourceIpOf } from "./source-ip.ts";

/**
 * Every call of this service's own APIs becomes an event, like any other service's calls. Routers
 * describe the call in `c.get("call")`; this middleware turns it into a stored event once the
 * response (or error) is decided, and fails the call closed when the event cannot be stored.
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
      userName: recordableText(e.userName),
      accessKeyId: e.accessKeyId ?? null,
      sourceIPAddress: e.sourceIp ?? null,
      userAgent: e.userAgent ? recordableText(e.userAgent) : null,
      requestID: e.requestId ?? null,
      // Storable whatever the caller sent: well-formed text, bounded depth and size, secrets hidden.
      requestParameters: storable(e.requestParameters),
      responseElements: storable(e.responseElements),
      errorCode: e.errorCode ? recordableText(e.errorCode) : null,
      errorMessage: e.errorMessage ? recordableText(e.errorMessage) : null,
      additionalEventData: storable(e.additionalEventData),
      resources: e.resources ?? null,
      readOnly: e.readOnly ?? null,
    },
    { newEventId: () => crypto.randomUUID(), newRequestId: () => crypto.randomUUID() },
  );
  await insertEvents(deps.database, [stored]);
  return stored;
}

/** The ingest API reports other services' calls and is not itself recorded. */
const UNRECORDED_PREFIX = "/internal/v1/events";

/**
 * Sign-in runs outside a transaction: its password hash must not hold a database connection (or
 * PGlite's one session), and its failure count must commit even when it answers 401. Its success
 * is still fail-closed: if the event cannot be stored, the cookie is withheld and the answer is 503.
 */
const isSignIn = (method: string, path: string) => method === "POST" && path === "/api/v1/session";

/**
 * A request that may change state: it runs in one transaction with its event. A CloudTrail call is
 * a POST whatever it does; a read-only operation (LookupEvents, Describe*, Get*, List*) is a read,
 * so it costs no BEGIN/COMMIT (LookupEvents stays three statements: caller, page, record).
 */
function changesState(method: string, path: string, target: string | undefined): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  if (path === "/" && target !== undefined && isReadOnly(target.slice(target.lastIndexOf(".") + 1))) return false;
  return !path.startsWith(UNRECORDED_PREFIX) && !isSignIn(method, path);
}

/** Thrown inside the transaction to undo a refused call's partial work; its event is stored after. */
class RefusedCall extends Error {}

/**
 * Middleware: no call is carried out without its event.
 * - A request that may change state runs in one transaction (db/transaction.ts) with the insert
 *   of its event: both commit, or neither does. A refused call (4xx/5xx) is rolled back and its
 *   event stored on its own.
 * - A read (and sign-in) stores its event after the handler; the answer is sent only then.
 * Whenever the event cannot be stored — database down, constraint, anything — the call answers 503
 * ServiceUnavailableException (Retry-After) instead of its result, and no cookie is set.
 */
export function recordCalls(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const deps = c.get("deps");
    if (!changesState(c.req.method, c.req.path, c.req.header("x-amz-target"))) {
      await next();
      const event = eventOf(c);
      if (!event) return;
      try {
        await recordEvent(deps, event);
      } catch (err) {
        failClosed(c, err);
      }
      return;
    }
    let refused: RecordableEvent | null = null;
    try {
      // Day partitions are DDL: created before the transaction, never inside it.
      const now = deps.clock.now();
      await ensurePartitions(deps.database, now, now);
      await inTransaction(deps.database, async () => {
        await next();
        const event = eventOf(c);
        if (!event) return;
        if (event.errorCode) {
          refused = event;
          throw new RefusedCall();
        }
        await recordEvent(deps, event);
      });
    } catch (err) {
      if (!(err instanceof RefusedCall)) return failClosed(c, err);
    }
    if (refused) {
      try {
        await recordEvent(deps, refused);
      } catch (err) {
        failClosed(c, err);
      }
    }
  };
}

/** The event of the call described by `c.get("call")`, or null when it is not recorded. */
function eventOf(c: Context<AppEnv>): RecordableEvent | null {
  const call = c.get("call");
  if (!call || call.record === false || !call.eventName || !call.accountId) return null;
  const caller = c.get("caller");
  const status = c.res.status;
  const failed = status >= 400 || call.errorCode !== undefined;
  return {
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
  };
}

export const NOT_RECORDED_MESSAGE = "The call was not carried out because its audit event could not be stored. Nothing was changed; retry later.";

/** Replaces the answer with 503: the result (and any cookie) is withheld because the event is missing. */
function failClosed(c: Context<AppEnv>, err: unknown): void {
  const call = c.get("call");
  c.get("deps").logger.error("a call was refused because its event could not be recorded", {
    eventName: call.eventName,
    accountId: call.accountId,
    requestId: c.get("requestId"),
    error: String(err),
  });
  void c.res.body?.cancel().catch(() => {});
  // A database that cannot be reached says so (the caller learns what to wait for); any other failure is the generic refusal.
  const refusal = isDatabaseUnavailable(err)
    ? databaseUnavailableError()
    : new DomainError("ServiceUnavailableException", NOT_RECORDED_MESSAGE, { retryAfterSeconds: 5 });
  const answer = handleError(refusal, c);
  const headers = new Headers(answer.headers);
  headers.delete("set-cookie");
  c.res = undefined;
  c.res = new Response(answer.body, { status: answer.status, headers });
}

/** Bounded and well-formed first (iteratively), then redacted: redaction recurses, now safely. */
function storable(value: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  const bounded = recordableField(value);
  return bounded ? redactSecrets(bounded) : null;
}

const recordableText = (s: string) => wellFormed(s).replaceAll("\u0000", "\ufffd");
