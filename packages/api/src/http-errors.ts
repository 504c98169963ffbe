import { isDomainError } from "@activity-log/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./http-context.ts";

/**
 * The one place errors become responses. Domain errors keep their CloudTrail code and status; the
 * CloudTrail API (POST /) answers AWS JSON `{"__type", "message"}`, the other APIs
 * `{"error": code, "message"}`. Anything unexpected is logged and answered as InternalFailure,
 * without internals.
 */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  let code: string;
  let status: number;
  let message: string;
  if (isDomainError(err)) {
    ({ code, status, message } = err);
  } else if (err instanceof HTTPException) {
    status = err.status;
    code = status === 404 ? "NotFoundException" : status === 401 ? "UnauthorizedException" : "ValidationException";
    message = err.message || "The request is not valid.";
  } else {
    status = 500;
    code = "InternalFailure";
    message = "The request processing has failed because of an unknown error.";
    c.get("deps")?.logger.error("unhandled error", { error: String(err), stack: err.stack, path: c.req.path });
  }
  const call = c.get("call");
  if (call) {
    call.errorCode = code;
    call.errorMessage = message;
  }
  const isCloudTrail = c.req.method === "POST" && c.req.path === "/";
  const body = isCloudTrail ? { __type: code, message } : { error: code, message };
  return c.json(body, status as 400, isCloudTrail ? { "content-type": "application/x-amz-json-1.1" } : undefined);
}
