import { assertCanUseActivityLog, CLOUDTRAIL_EVENT_SOURCE, DomainError, findTextProblem, isReadOnly, wellFormed } from "@activity-log/core";
import { Hono } from "hono";
import { verifySigV4 } from "../auth/sigv4.ts";
import { type ResolvedKeyCaller, resolveKeyCaller } from "../db/caller-resolution.ts";
import type { AppEnv } from "../http-context.ts";
import type { CloudTrailMethod } from "./method.ts";
import { METHODS } from "./methods/index.ts";
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimit, type RateLimiter, recordedCallsAllow, recordedCallsWindowMs } from "./rate-limit.ts";

const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
/** CloudTrail's requests are small; anything bigger is a mistake or an attack. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface CloudTrailRouterOptions {
  rateLimit?: RateLimit;
}

/**
 * The CloudTrail API (AWS JSON 1.1 on `POST /`): SigV4 → method from X-Amz-Target → access and
 * subscription → per-account rate limit → JSON body → method. Every step fills the call record, so
 * failures after authentication are recorded as events with their error code. The caller, the
 * account's quotas (and, with the `recorded-calls` limit, its recent calls) come from one statement.
 */
export function cloudtrailRouter(options: CloudTrailRouterOptions = {}) {
  let limiter: RateLimiter | undefined;
  return new Hono<AppEnv>().post("/", async (c) => {
    const deps = c.get("deps");
    const rateLimit = options.rateLimit ?? deps.cloudtrailRateLimit ?? DEFAULT_RATE_LIMIT;
    const limitStore = deps.cloudtrailRateLimitStore ?? "memory";
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

    const now = deps.clock.now();
    const recentCalls =
      limitStore === "recorded-calls" ? { since: new Date(now.getTime() - recordedCallsWindowMs(rateLimit)), cap: rateLimit.burst } : undefined;
    // The one statement also brings the account's quotas (and recent calls): kept for after the signature check.
    const resolution: { found?: ResolvedKeyCaller } = {};
    const caller = await verifySigV4(
      { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body },
      {
        service: "cloudtrail",
        region: deps.config.region,
        now,
        lookup: async (accessKeyId) => {
          const found = await resolveKeyCaller(deps.database.db, deps.secrets, accessKeyId, recentCalls);
          if (found) resolution.found = found;
          return found;
        },
      },
    );
    // verifySigV4 returned a caller, so the lookup found the key.
    const { quotas, recentCalls: recent } = resolution.found!;
    c.set("caller", caller);
    Object.assign(call, { accountId: caller.accountId, userName: caller.userName, project: caller.project, accessKeyId: caller.accessKeyId });

    const method = METHODS.get(operation);
    if (!method) {
      // What AWS answers for an operation a region does not offer: a code every operation's model lists.
      throw new DomainError(
        "UnsupportedOperationException",
        target ? `Activity Log does not support the operation ${operation}.` : "The X-Amz-Target header is missing: it names the operation.",
      );
    }
    assertCanUseActivityLog(caller);
    let allowed: boolean;
    if (limitStore === "recorded-calls") allowed = recordedCallsAllow(rateLimit, recent ?? 0);
    else {
      limiter ??= createRateLimiter(rateLimit);
      allowed = limiter.take(caller.accountId, now.getTime());
    }
    if (!allowed) {
      throw new DomainError("ThrottlingException", "Rate exceeded");
    }
    const input = parseBody(body);
    call.requestParameters = input;
    refuseNul(input);
    refuseUnknownMembers(input, method);
    const output = await method.run({ deps, caller, quotas }, input);
    // Read-only events never carry response elements (they would copy the data read into the log).
    call.responseElements = call.readOnly || Object.keys(output).length === 0 ? null : output;
    return c.body(JSON.stringify(output), 200, { "content-type": JSON_CONTENT_TYPE });
  });
}

/** Fatal: invalid UTF-8 is refused rather than read as U+FFFD (which would turn it into some other request). */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function parseBody(body: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(body).trim();
  } catch {
    throw new DomainError("SerializationException", "The request body is not valid UTF-8.");
  }
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

/**
 * NUL cannot be stored (nor would any trail name, prefix or attribute hold one): refused before the
 * method runs, with the error the parameter's own validation would give.
 */
function refuseNul(input: Record<string, unknown>): void {
  const problem = findTextProblem(input, { surrogates: false });
  if (!problem) return;
  const code = problem.path.startsWith("LookupAttributes") ? "InvalidLookupAttributesException" : "InvalidParameterException";
  throw new DomainError(code, `${problem.path}: ${problem.message}`);
}

/**
 * A member the operation does not have is a malformed request (a misspelt parameter, or a body meant
 * for another operation), not one to answer as if it were absent: with every member optional, that
 * would be a different request than the one sent.
 */
function refuseUnknownMembers(input: Record<string, unknown>, method: CloudTrailMethod): void {
  const unknown = Object.keys(input).find((key) => !method.members.includes(key));
  if (unknown === undefined) return;
  throw new DomainError(
    "SerializationException",
    `${JSON.stringify(wellFormed(unknown.slice(0, 128)))} is not a member of ${method.name}'s input; its members are ${method.members.join(", ")}.`,
  );
}

function tooLarge(): DomainError {
  return new DomainError("SerializationException", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
}
