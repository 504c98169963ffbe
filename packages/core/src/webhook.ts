// Webhook notifications of rules: the Standard Webhooks signature, the target URL and address
// policy (no SSRF into the service's own network), and the retry schedule of a delivery.
import ipaddr from "ipaddr.js";
import { DomainError } from "./errors.ts";
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "./time.ts";

// ---------------------------------------------------------------------------------------------
// Signature (https://www.standardwebhooks.com): v1 = HMAC-SHA256 over `${id}.${timestamp}.${body}`.

export const WEBHOOK_SECRET_PREFIX = "whsec_";
export const WEBHOOK_SECRET_BYTES = 32;

/** The secret as shown once to the user: `whsec_` + base64 of its random bytes. */
export function formatWebhookSecret(bytes: Uint8Array): string {
  return WEBHOOK_SECRET_PREFIX + toBase64(bytes);
}

/** What the console shows of a secret afterwards: the prefix and its last 4 characters. */
export function webhookSecretHint(secret: string): string {
  return `${WEBHOOK_SECRET_PREFIX}…${secret.slice(-4)}`;
}

/** The secret's key bytes (the base64 after the prefix), as Standard Webhooks libraries read it. */
export function webhookSecretKey(secret: string): Uint8Array<ArrayBuffer> {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The `webhook-signature` header value: `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`. */
export async function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", webhookSecretKey(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The headers of one attempt. The id is the same on every attempt (the receiver's idempotency key). */
export async function webhookHeaders(secret: string, id: string, at: Date, body: string): Promise<Record<string, string>> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(secret, id, timestamp, body),
  };
}

// ---------------------------------------------------------------------------------------------
// Target URL and addresses

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Hosts an operator allows (RULES_ALLOWED_HOSTS): a host name (exact, any case), an address or a
 * CIDR. An allowed host may be reached over plain http and at private addresses; an allowed
 * address or range may be what any host resolves to.
 */
export type WebhookTargetPolicy = { allowedHosts: readonly string[] };

function badUrl(message: string): DomainError {
  return new DomainError("InvalidWebhookUrlException", message);
}

/** The URL's host without IPv6 brackets, lower-cased. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(text)) return null;
  const a = ipaddr.parse(text);
  return a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

function entryContains(entry: string, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  try {
    if (entry.includes("/")) {
      const [net, bits] = ipaddr.parseCIDR(entry);
      return net.kind() === address.kind() && address.match([net, bits] as never);
    }
    const e = parseAddress(entry);
    return e !== null && e.kind() === address.kind() && e.toNormalizedString() === address.toNormalizedString();
  } catch {
    return false;
  }
}

/** True when an operator allowed this host by name or address. */
export function isAllowedWebhookHost(host: string, policy: WebhookTargetPolicy): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const address = parseAddress(h);
  return policy.allowedHosts.some((entry) => (address ? entryContains(entry, address) : entry.toLowerCase() === h));
}

/**
 * Why a webhook may not be sent to this address, or null when it may: only public unicast
 * addresses, unless the URL's host or this address is allowed. Private, loopback, link-local
 * (the cloud metadata service 169.254.169.254), unique-local, carrier-grade NAT, multicast,
 * reserved and addresses embedding others (6to4, NAT64, Teredo) are refused.
 */
export function webhookAddressProblem(address: string, host: string, policy: WebhookTargetPolicy): string | null {
  const a = parseAddress(address);
  if (!a) return `${address} is not an IP address.`;
  if (isAllowedWebhookHost(host, policy) || policy.allowedHosts.some((entry) => entryContains(entry, a))) return null;
  const range = a.range();
  if (range === "unicast") return null;
  const what = range === "linkLocal" ? "link-local (such as the metadata service)" : range;
  return `${host} resolves to ${a.toString()}, a ${what} address; webhooks go only to public addresses.`;
}

/**
 * Checks a webhook URL as given: https (or http to an allowed host), no credentials or fragment,
 * and an IP-literal host must be an address webhooks may reach. Names are resolved and checked
 * again at each delivery. Returns the normalised URL.
 */
export function parseWebhookUrl(input: unknown, policy: WebhookTargetPolicy): string {
  if (typeof input !== "string" || input.length === 0) throw badUrl("url is required: the https address notifications are POSTed to.");
  if (input.length > MAX_WEBHOOK_URL_LENGTH) throw badUrl(`url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw badUrl(`${input} is not a URL; give one such as https://hooks.example.com/activity-log.`);
  }
  const host = hostOf(url);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw badUrl(`url must start with https:// (got ${url.protocol}).`);
  if (!host) throw badUrl("url must name a host.");
  if (url.protocol === "http:" && !isAllowedWebhookHost(host, policy))
    throw badUrl(`url must use https://; plain http is allowed only to hosts the operator allows (${host} is not one).`);
  if (url.username || url.password) throw badUrl("url must not carry a user name or password; verify requests by their signature instead.");
  if (url.hash) throw badUrl("url must not have a #fragment.");
  if (parseAddress(host)) {
    const problem = webhookAddressProblem(host, host, policy);
    if (problem) throw badUrl(problem);
  } else if (host === "localhost" || host.endsWith(".localhost") || !host.includes(".")) {
    if (!isAllowedWebhookHost(host, policy)) throw badUrl(`${host} is a local host name; webhooks go only to public hosts.`);
  }
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// Delivery schedule

/** A request gets this long to answer. */
export const WEBHOOK_TIMEOUT_MS = 5 * SECOND_MS;
/** A failing delivery is retried for this long, then given up; a rule failing this long is disabled. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * HOUR_MS;
/** The stored part of a response body (and of error messages). */
export const RESPONSE_EXCERPT_CHARS = 200;

const RETRY_DELAYS_MS = [5 * SECOND_MS, 30 * SECOND_MS, 2 * MINUTE_MS, 10 * MINUTE_MS, 30 * MINUTE_MS, HOUR_MS, 2 * HOUR_MS];

/** The wait after the `attempts`-th failed attempt: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then every 2 h. */
export function webhookRetryDelayMs(attempts: number): number {
  return RETRY_DELAYS_MS[Math.min(Math.max(attempts, 1), RETRY_DELAYS_MS.length) - 1]!;
}

export type DeliveryOutcome = { ok: true; responseCode: number } | { ok: false; responseCode: number | null; error: string };

export type DeliveryStep = { status: "delivered" } | { status: "retrying"; nextAttemptAt: Date } | { status: "failed"; disableRule: string | null };

/**
 * What happens after an attempt. A failure is retried on the schedule until the delivery is
 * WEBHOOK_RETRY_WINDOW_MS old; then it fails, and the rule is disabled when it has been failing
 * (no delivery succeeded) for that long too.
 */
export function nextDeliveryStep(
  d: { createdAt: Date; attempts: number },
  rule: { failingSince: Date | null },
  outcome: DeliveryOutcome,
  now: Date,
): DeliveryStep {
  if (outcome.ok) return { status: "delivered" };
  const next = new Date(now.getTime() + webhookRetryDelayMs(d.attempts));
  const giveUpAt = d.createdAt.getTime() + WEBHOOK_RETRY_WINDOW_MS;
  if (now.getTime() < giveUpAt) return { status: "retrying", nextAttemptAt: next.getTime() < giveUpAt ? next : new Date(giveUpAt) };
  const failingSince = rule.failingSince ?? now;
  const disable =
    now.getTime() - failingSince.getTime() >= WEBHOOK_RETRY_WINDOW_MS
      ? `Disabled after 24 hours of failed deliveries; last error: ${excerpt(outcome.error)}`
      : null;
  return { status: "failed", disableRule: disable };
}

/** At most RESPONSE_EXCERPT_CHARS characters of a text (whole code points), with an ellipsis when cut. */
export function excerpt(text: string, max = RESPONSE_EXCERPT_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
