import { DomainError, errorCodeOfStatus, errorStatus, type ErrorSurface, isDomainError } from "@activity-log/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { databaseUnavailableError, isDatabaseUnavailable } from "./db/availability.ts";
import type { AppEnv } from "./http-context.ts";

/**
 * The one exit for errors: every router throws (a core DomainError for anything a caller can
 * cause), and this turns it into the answer with core's table of codes. The CloudTrail API
 * (`POST /`) answers AWS JSON `{"__type", "message"}`; the other APIs `{"error", "message", …details}`.
 * Anything unexpected is logged with the request id and answered as InternalFailure carrying that
 * id (in the body, and in x-amzn-RequestId as every answer), never with internals. A database
 * that cannot be reached is no internal failure: it is answered 503 ServiceUnavailableException
 * with Retry-After, so clients (the AWS SDKs included) retry.
 */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const surface: ErrorSurface = c.req.method === "POST" && c.req.path === "/" ? "cloudtrail" : "json";
  const requestId = c.get("requestId");
  const unavailable = !isDomainError(err) && isDatabaseUnavailable(err);
  if (unavailable) {
    c.get("deps")?.logger.warn("database unavailable", { requestId, error: String(err), path: c.req.path });
  } else if (!isDomainError(err) && !(err instanceof HTTPException)) {
    c.get("deps")?.logger.error("unhandled error", { requestId, error: String(err), stack: err.stack, path: c.req.path });
  }
  const error = unavailable ? databaseUnavailableError() : asDomainError(err, requestId);
  const call = c.get("call");
  if (call) {
    call.errorCode = error.code;
    call.errorMessage = error.message;
  }
  const { body, status, headers } = errorAnswer(error, surface);
  // c.body keeps headers set before the error (Set-Cookie, WWW-Authenticate).
  return c.body(body, status as 400, headers);
}

/** The same answer outside a request (the edge entry before it is configured). */
export function errorResponse(error: DomainError, surface: ErrorSurface): Response {
  const { body, status, headers } = errorAnswer(error, surface);
  return new Response(body, { status, headers });
}

function errorAnswer(error: DomainError, surface: ErrorSurface): { body: string; status: number; headers: Record<string, string> } {
  const body = surface === "cloudtrail" ? { __type: error.code, message: error.message } : { ...error.details, error: error.code, message: error.message };
  const headers: Record<string, string> = { "content-type": surface === "cloudtrail" ? "application/x-amz-json-1.1" : "application/json" };
  if (error.retryAfterSeconds !== undefined) headers["Retry-After"] = String(error.retryAfterSeconds);
  return { body: JSON.stringify(body), status: errorStatus(error.code, surface), headers };
}

function asDomainError(err: Error, requestId: string | undefined): DomainError {
  if (isDomainError(err)) return err;
  if (err instanceof HTTPException) return new DomainError(errorCodeOfStatus(err.status), err.message || "The request is not valid.");
  return new DomainError("InternalFailure", "The request processing has failed because of an unknown error.", { details: { requestId } });
}
