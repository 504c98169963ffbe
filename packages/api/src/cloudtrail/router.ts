import { assertCanUseActivityLog, CLOUDTRAIL_EVENT_SOURCE, DomainError, isReadOnly } from "@activity-log/core";
import { Hono } from "hono";
import { verifySigV4 } from "../auth/sigv4.ts";
import { findAccessKey } from "../db/iam.ts";
import type { AppEnv } from "../http-context.ts";
import { METHODS } from "./methods/index.ts";
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimit, type RateLimiter } from "./rate-limit.ts";

const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
/** CloudTrail's requests are small; anything bigger is a mistake or an attack. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface CloudTrailRouterOptions {
  rateLimit?: RateLimit;
}

/**
 * The CloudTrail API (AWS JSON 1.1 on `POST /`): SigV4 → method from X-Amz-Target → access and
 * subscription → per-account rate limit → JSON body → method. Every step fills the call record, so
 * failures after authentication are recorded as events with their error code.
 */
export function cloudtrailRouter(options: CloudTrailRouterOptions = {}) {
  let limiter: RateLimiter | undefined;
  return new Hono<AppEnv>().post("/", async (c) => {
    const deps = c.get("deps");
    limiter ??= createRateLimiter(options.rateLimit ?? deps.cloudtrailRateLimit ?? DEFAULT_RATE_LIMIT);
    const call = c.get("call");
    const target = c.req.header("x-amz-target") ?? "";
    // The CLI sends com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.X, the JS SDK CloudTrail_20131101.X.
    const operation = target.slice(target.lastIndexOf(".") + 1);
    Object.assign(call, {
      eventName: operation || "UnknownOperation",
      eventSource: CLOUDTRAIL_EVENT_SOURCE,
      eventType: "AwsApiCall" as const,
      readOnly: operation ? isReadOnly(operation) : true,
    });

    const declaredLength = Number(c.req.header("content-length") ?? 0);
    if (declaredLength > MAX_BODY_BYTES) throw tooLarge();
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.byteLength > MAX_BODY_BYTES) throw tooLarge();

    const caller = await verifySigV4(
      { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body },
      {
        service: "cloudtrail",
        region: deps.config.region,
        now: deps.clock.now(),
        lookup: (accessKeyId) => findAccessKey(deps.database.db, deps.secrets, accessKeyId),
      },
    );
    c.set("caller", caller);
    Object.assign(call, { accountId: caller.accountId, userName: caller.userName, project: caller.project, accessKeyId: caller.accessKeyId });

    const method = METHODS.get(operation);
    if (!method) {
      throw new DomainError(
        "UnknownOperationException",
        target ? `Operation ${operation} is not supported by this service.` : "The X-Amz-Target header is missing.",
      );
    }
    assertCanUseActivityLog(caller);
    if (!limiter.take(caller.accountId, deps.clock.now().getTime())) {
      throw new DomainError("ThrottlingException", "Rate exceeded");
    }
    const input = parseBody(body);
    call.requestParameters = input;
    const output = await method.run({ deps, caller }, input);
    // Read-only events never carry response elements (they would copy the data read into the log).
    call.responseElements = call.readOnly || Object.keys(output).length === 0 ? null : output;
    return c.body(JSON.stringify(output), 200, { "content-type": JSON_CONTENT_TYPE });
  });
}

function parseBody(body: Uint8Array): Record<string, unknown> {
  const text = new TextDecoder().decode(body).trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DomainError("SerializationException", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DomainError("SerializationException", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

function tooLarge(): DomainError {
  return new DomainError("SerializationException", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
}
