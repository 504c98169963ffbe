// SigV4 and transport failures as real clients meet them: the JS SDK for wrong secrets, unknown keys,
// skewed clocks and tampered bodies; hand-signed requests (signed like the AWS CLI) for the rest.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ListTrailsCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { setAccessKeyStatus } from "../db/iam.ts";
import {
  cloudTrailClient,
  createTestUser,
  errorOf,
  type RawCallOptions,
  rawCloudTrailCall,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../test-kit/index.ts";

let h: TestServer;
let throttled: TestServer;
let admin: TestUser;

/** A call signed as the AWS CLI signs it (long X-Amz-Target), bent by `options` where a test needs it. */
const cliStyleRequest = (url: string, key: TestUser, operation: string, body: string, options: RawCallOptions = {}) =>
  rawCloudTrailCall(url, key, operation, body, { target: `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.${operation}`, ...options });

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  admin = await createTestUser(h, "acme", "alice");
  throttled = await startTestServer({ storage: "local", database: h.deps.database, cloudtrailRateLimit: { ratePerSecond: 0.001, burst: 3 } });
}, 60_000);

afterAll(async () => {
  await throttled?.close();
  await h?.close();
}, 30_000);

describe("SigV4 through the JS SDK", () => {
  test("a correct signature passes", async () => {
    const client = cloudTrailClient(h, admin);
    expect((await client.send(new ListTrailsCommand({}))).Trails).toEqual([]);
    client.destroy();
  });

  test("a wrong secret is InvalidSignatureException", async () => {
    const client = cloudTrailClient(h, { accessKeyId: admin.accessKeyId, secretAccessKey: `${admin.secretAccessKey}x` });
    const e = await errorOf(client.send(new LookupEventsCommand({})));
    client.destroy();
    expect(e).toMatchObject({ name: "InvalidSignatureException", status: 403 });
    expect(e.message).toContain("The request signature we calculated does not match the signature you provided.");
  });

  test("an unknown key is UnrecognizedClientException", async () => {
    const client = cloudTrailClient(h, { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "whatever-secret" });
    const e = await errorOf(client.send(new LookupEventsCommand({})));
    client.destroy();
    expect(e).toMatchObject({ name: "UnrecognizedClientException", message: "The security token included in the request is invalid.", status: 403 });
  });

  test("an inactive key is UnrecognizedClientException", async () => {
    const frank = await createTestUser(h, "acme", "frank");
    await setAccessKeyStatus(h.deps.database.db, frank.accountId, frank.accessKeyId, "Inactive");
    const client = cloudTrailClient(h, frank);
    const e = await errorOf(client.send(new LookupEventsCommand({})));
    client.destroy();
    expect(e.name).toBe("UnrecognizedClientException");
  });

  test("a clock 20 minutes off either way is InvalidSignatureException with AWS's wording", async () => {
    for (const [offset, wording] of [
      [-20 * 60_000, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/],
      [20 * 60_000, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/],
    ] as const) {
      const client = cloudTrailClient(h, admin, { systemClockOffset: offset });
      const e = await errorOf(client.send(new LookupEventsCommand({})));
      client.destroy();
      expect(e.name).toBe("InvalidSignatureException");
      expect(e.message).toMatch(wording);
    }
    // 10 minutes off is within AWS's tolerance.
    const client = cloudTrailClient(h, admin, { systemClockOffset: -10 * 60_000 });
    await client.send(new ListTrailsCommand({}));
    client.destroy();
  });

  test("a body changed after signing is InvalidSignatureException", async () => {
    const client = cloudTrailClient(h, admin);
    client.middlewareStack.addRelativeTo(
      ((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        const request = (args as { request: { body: string | Uint8Array } }).request;
        const text = typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body);
        request.body = text.replace("50", "49");
        return next(args);
      }) as never,
      { relation: "after", toMiddleware: "httpSigningMiddleware", name: "tamper" },
    );
    const e = await errorOf(client.send(new LookupEventsCommand({ MaxResults: 50 })));
    client.destroy();
    expect(e.name).toBe("InvalidSignatureException");
  });
});

describe("hand-signed requests (AWS CLI style)", () => {
  test("the CLI's long target and signed-header set work; an empty body is {}", async () => {
    const response = await cliStyleRequest(h.url, admin, "ListTrails", "");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(await response.json()).toEqual({ Trails: [] });
    const spaced = await cliStyleRequest(h.url, admin, "LookupEvents", '{"MaxResults": 5}');
    expect(spaced.status).toBe(200);
    expect(Array.isArray(((await spaced.json()) as { Events: unknown[] }).Events)).toBe(true);
  });

  test("a tampered body without a content hash header fails the signature", async () => {
    const response = await cliStyleRequest(h.url, admin, "LookupEvents", '{"MaxResults": 5}', { sendBody: '{"MaxResults": 6}' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { __type: string }).__type).toBe("InvalidSignatureException");
  });

  test("a content hash header that does not match the body is InvalidSignatureException", async () => {
    const response = await cliStyleRequest(h.url, admin, "ListTrails", "{}", { headers: { "x-amz-content-sha256": "0".repeat(64) } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toContain("x-amz-content-sha256");
  });

  test("an X-Amz-Target left out of the signature is refused, so a captured request cannot be replayed as another operation", async () => {
    const response = await cliStyleRequest(h.url, admin, "DeleteTrail", "{}", { unsignedTarget: true });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      __type: "InvalidSignatureException",
      message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  test("a credential scoped to another region is InvalidSignatureException with AWS's wording", async () => {
    const response = await cliStyleRequest(h.url, admin, "ListTrails", "{}", { region: "us-east-1" });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      __type: "InvalidSignatureException",
      message: "Credential should be scoped to a valid region, not 'us-east-1'.",
    });
    // The same request scoped to the service's region passes.
    expect((await cliStyleRequest(h.url, admin, "ListTrails", "{}")).status).toBe(200);
  });

  test("no Authorization is MissingAuthenticationTokenException", async () => {
    const response = await fetch(h.url, {
      method: "POST",
      headers: { "x-amz-target": "ListTrails", "content-type": "application/x-amz-json-1.1" },
      body: "{}",
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
  });

  test("a malformed Authorization is IncompleteSignatureException", async () => {
    for (const authorization of ["AWS4-HMAC-SHA256 Credential=AKIA/20260101/ru-msk/cloudtrail/aws4_request", "Basic dXNlcjpwYXNz"]) {
      const response = await fetch(h.url, {
        method: "POST",
        headers: { authorization, "x-amz-target": "ListTrails", "x-amz-date": "20260101T000000Z" },
        body: "{}",
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { __type: string }).__type).toBe("IncompleteSignatureException");
    }
  });

  test("an operation not offered is UnsupportedOperationException (as AWS answers in a region without it); bad JSON SerializationException", async () => {
    for (const operation of ["CreateEventDataStore", "NoSuchOperation"]) {
      const unknown = await cliStyleRequest(h.url, admin, operation, "{}");
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toEqual({ __type: "UnsupportedOperationException", message: `Activity Log does not support the operation ${operation}.` });
    }
    for (const body of ["{not json", "[1,2]"]) {
      const bad = await cliStyleRequest(h.url, admin, "ListTrails", body);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { __type: string }).__type).toBe("SerializationException");
    }
  });

  test("the per-account rate limit answers ThrottlingException", async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await cliStyleRequest(throttled.url, admin, "ListTrails", "{}");
      statuses.push(response.status === 200 ? "ok" : ((await response.json()) as { __type: string }).__type);
    }
    expect(statuses).toEqual(["ok", "ok", "ok", "ThrottlingException", "ThrottlingException"]);
  });
});
