import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DomainError } from "@activity-log/core";
import { requireBearer } from "./auth/bearer.ts";
import type { Logger } from "./logger.ts";
import { serviceBase } from "./service-base.ts";
import { createTestDeps, type TestDeps } from "./test-kit/deps.ts";

let deps: TestDeps;
const logged: { msg: string; fields?: Record<string, unknown> }[] = [];
const recordingLogger: Logger = { info: () => {}, warn: () => {}, error: (msg, fields) => logged.push({ msg, fields }) };

function app() {
  return serviceBase({ ...deps, logger: recordingLogger })
    .get("/boom", () => {
      throw new Error("connection reset by peer at 10.0.0.7");
    })
    .get("/slow-down", () => {
      throw new DomainError("ThrottlingException", "Slow down.", { retryAfterSeconds: 60 });
    })
    .get(
      "/guarded",
      requireBearer(() => "the-right-token-0123456789", { realm: "test", missing: "Send a token.", invalid: "Wrong token." }),
      (c) => c.text("in"),
    )
    .post("/", () => {
      throw new DomainError("ThrottlingException", "Rate exceeded");
    });
}

beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(() => deps.cleanup());

describe("the one error exit", () => {
  test("an unexpected error is logged with the request id and answered with it, without internals", async () => {
    const res = await app().request("/boom");
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, unknown>;
    const requestId = res.headers.get("x-amzn-RequestId");
    expect(body).toEqual({ error: "InternalFailure", message: "The request processing has failed because of an unknown error.", requestId });
    expect(JSON.stringify(body)).not.toContain("10.0.0.7");
    expect(logged.at(-1)?.fields?.requestId).toBe(requestId);
  });

  test("a path no router serves is a JSON NotFoundException", async () => {
    const res = await app().request("/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "NotFoundException" });
  });

  test("throttling is 429 with Retry-After on the JSON APIs and 400 in AWS's shape on the CloudTrail API", async () => {
    const json = await app().request("/slow-down");
    expect(json.status).toBe(429);
    expect(json.headers.get("retry-after")).toBe("60");
    const cloudtrail = await app().request("/", { method: "POST" });
    expect(cloudtrail.status).toBe(400);
    expect(cloudtrail.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(await cloudtrail.json()).toEqual({ __type: "ThrottlingException", message: "Rate exceeded" });
  });

  test("headers set before the error stay on the answer (a refused bearer token keeps its challenge)", async () => {
    const res = await app().request("/guarded", { headers: { authorization: "Bearer wrong" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="test"');
    expect(await res.json()).toEqual({ error: "UnauthorizedException", message: "Wrong token." });
  });
});
