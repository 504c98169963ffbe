import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { DomainError } from "./errors.ts";
import {
  excerpt,
  formatWebhookSecret,
  nextDeliveryStep,
  parseWebhookUrl,
  signWebhook,
  WEBHOOK_RETRY_WINDOW_MS,
  webhookAddressProblem,
  webhookHeaders,
  webhookRetryDelayMs,
  webhookSecretHint,
} from "./webhook.ts";

const none = { allowedHosts: [] };
const loopback = { allowedHosts: ["127.0.0.1", "::1", "localhost"] };

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (e) {
    return e instanceof DomainError ? e.code : "other";
  }
}

describe("signature", () => {
  const secret = formatWebhookSecret(Uint8Array.from({ length: 32 }, (_, i) => i));
  test("secret format and hint", () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretHint(secret)).toBe(`whsec_…${secret.slice(-4)}`);
  });
  test("v1 HMAC-SHA256 over id.timestamp.body with the secret's bytes (verifiable with node:crypto)", async () => {
    const body = '{"rule":"r","test":false,"event":{}}';
    const sig = await signWebhook(secret, "ev-1", 1764000000, body);
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    expect(sig).toBe(`v1,${createHmac("sha256", key).update(`ev-1.1764000000.${body}`).digest("base64")}`);
    const headers = await webhookHeaders(secret, "ev-1", new Date(1764000000_900), body);
    expect(headers).toEqual({ "content-type": "application/json", "webhook-id": "ev-1", "webhook-timestamp": "1764000000", "webhook-signature": sig });
  });
});

describe("webhook URLs", () => {
  test.each([
    ["https://hooks.example.com/a?b=1", none, "https://hooks.example.com/a?b=1"],
    ["http://127.0.0.1:8123/hook", loopback, "http://127.0.0.1:8123/hook"],
    ["http://localhost:9/x", loopback, "http://localhost:9/x"],
    ["https://[::1]:8443/", loopback, "https://[::1]:8443/"],
    ["https://8.8.8.8/", none, "https://8.8.8.8/"],
  ])("accepts %s", (url, policy, normalised) => {
    expect(parseWebhookUrl(url, policy)).toBe(normalised);
  });
  test.each([
    ["", none, "required"],
    ["not a url", none, "not a URL"],
    ["ftp://example.com/", none, "https://"],
    ["http://hooks.example.com/", none, "plain http"],
    ["http://127.0.0.1/", none, "plain http"],
    ["https://127.0.0.1/", none, "loopback"],
    ["https://10.1.2.3/", none, "private"],
    ["https://192.168.0.1/", none, "private"],
    ["https://169.254.169.254/latest/meta-data", none, "link-local"],
    ["https://[fd00:ec2::254]/", none, "uniqueLocal"],
    ["https://[fe80::1]/", none, "link-local"],
    ["https://[::ffff:10.0.0.1]/", none, "private"],
    ["https://100.100.100.200/", none, "carrierGradeNat"],
    ["https://0.0.0.0/", none, "unspecified"],
    ["https://localhost/", none, "local host name"],
    ["https://metadata/", none, "local host name"],
    ["https://user:pw@example.com/", none, "user name or password"],
    ["https://example.com/#x", none, "fragment"],
    [`https://example.com/${"a".repeat(2100)}`, none, "at most 2048"],
  ])("refuses %s", (url, policy, message) => {
    expect(codeOf(() => parseWebhookUrl(url, policy))).toBe("InvalidWebhookUrlException");
    expect(() => parseWebhookUrl(url, policy)).toThrow(message);
  });
  test("resolved addresses: public only, unless the host or a range is allowed", () => {
    expect(webhookAddressProblem("93.184.216.34", "example.com", none)).toBeNull();
    expect(webhookAddressProblem("10.0.0.5", "evil.example.com", none)).toContain("private");
    expect(webhookAddressProblem("169.254.169.254", "evil.example.com", none)).toContain("metadata");
    expect(webhookAddressProblem("127.0.0.1", "localhost", loopback)).toBeNull();
    expect(webhookAddressProblem("10.0.0.5", "hooks.internal", { allowedHosts: ["10.0.0.0/8"] })).toBeNull();
    expect(webhookAddressProblem("10.0.0.5", "hooks.internal", { allowedHosts: ["10.0.0.6"] })).toContain("private");
  });
});

describe("retry schedule", () => {
  const t0 = new Date("2026-11-24T10:00:00Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const fail = { ok: false as const, responseCode: 500, error: "HTTP 500" };
  test("delays grow to every 2 h", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(webhookRetryDelayMs)).toEqual([5e3, 30e3, 120e3, 600e3, 1800e3, 3600e3, 7200e3, 7200e3, 7200e3]);
  });
  test("a success delivers", () => {
    expect(nextDeliveryStep({ createdAt: t0, attempts: 1 }, { failingSince: null }, { ok: true, responseCode: 204 }, t0)).toEqual({ status: "delivered" });
  });
  test("failures retry until 24 h, never scheduled past it", () => {
    expect(nextDeliveryStep({ createdAt: t0, attempts: 1 }, { failingSince: t0 }, fail, t0)).toEqual({ status: "retrying", nextAttemptAt: at(5000) });
    const late = nextDeliveryStep({ createdAt: t0, attempts: 12 }, { failingSince: t0 }, fail, at(WEBHOOK_RETRY_WINDOW_MS - 60_000));
    expect(late).toEqual({ status: "retrying", nextAttemptAt: at(WEBHOOK_RETRY_WINDOW_MS) });
  });
  test("after 24 h the delivery fails, and the rule is disabled if it failed all along", () => {
    const step = nextDeliveryStep({ createdAt: t0, attempts: 13 }, { failingSince: t0 }, fail, at(WEBHOOK_RETRY_WINDOW_MS));
    expect(step).toEqual({ status: "failed", disableRule: "Disabled after 24 hours of failed deliveries; last error: HTTP 500" });
    const recovered = nextDeliveryStep({ createdAt: t0, attempts: 13 }, { failingSince: at(3600_000) }, fail, at(WEBHOOK_RETRY_WINDOW_MS));
    expect(recovered).toEqual({ status: "failed", disableRule: null });
  });
  test("excerpts are at most 200 characters", () => {
    expect(excerpt("x".repeat(500))).toHaveLength(200);
    expect(excerpt("short")).toBe("short");
  });
});
