/**
 * One webhook request of a rule: the URL checked again against the operator's policy (it may have
 * changed since the rule was saved), its host resolved and every address checked (no private,
 * loopback or link-local targets unless allowed), then one POST with a short timeout that never
 * follows a redirect. Only an excerpt of the answer is kept.
 *
 * The name is resolved here and again by fetch: a DNS answer that changes in between (rebinding)
 * is not caught. Closing that gap needs a connection pinned to the checked address, which Bun's
 * fetch cannot be given for https; an egress proxy or firewall is the complete answer.
 */
import { lookup } from "node:dns/promises";
import {
  type DeliveryOutcome,
  DomainError,
  excerpt,
  parseWebhookUrl,
  RESPONSE_EXCERPT_CHARS,
  WEBHOOK_TIMEOUT_MS,
  type WebhookTargetPolicy,
  webhookAddressProblem,
} from "@activity-log/core";

/** Resolves a host name to its addresses (injectable so tests can play DNS). */
type ResolveHost = (host: string) => Promise<string[]>;

const resolveWithDns: ResolveHost = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface PostOptions {
  policy: WebhookTargetPolicy;
  timeoutMs?: number;
  resolve?: ResolveHost;
}

const fail = (error: string, responseCode: number | null = null): DeliveryOutcome => ({ ok: false, responseCode, error: excerpt(error) });

/** Sends one request; never throws (every failure is an outcome with its reason). */
export async function postWebhook(req: WebhookRequest, options: PostOptions): Promise<DeliveryOutcome> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  let url: URL;
  try {
    url = new URL(parseWebhookUrl(req.url, options.policy));
  } catch (e) {
    return fail(`Refused: ${e instanceof DomainError ? e.message : String(e)}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = await withTimeout((options.resolve ?? resolveWithDns)(host), timeoutMs, `resolving ${host} took longer than ${timeoutMs / 1000} s`);
  } catch (e) {
    return fail(`Could not resolve ${host}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (addresses.length === 0) return fail(`Could not resolve ${host}: no addresses.`);
  for (const address of addresses) {
    const problem = webhookAddressProblem(address, host, options.policy);
    if (problem) return fail(`Refused: ${problem}`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      // A webhook is one request; a kept-alive socket would outlive the worker's interest in it.
      keepalive: false,
    });
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError") return fail(`No answer within ${timeoutMs / 1000} s.`);
    return fail(`Request failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await readExcerpt(res);
  if (res.status >= 200 && res.status < 300) return { ok: true, responseCode: res.status };
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location");
    return fail(`HTTP ${res.status}: redirects are not followed${location ? ` (to ${location})` : ""}.`, res.status);
  }
  return fail(`HTTP ${res.status}${text ? `: ${text}` : ""}`, res.status);
}

/** At most a few KB of the body are read (the rest is discarded), of which RESPONSE_EXCERPT_CHARS are kept. */
async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body cut short still tells what it had.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks)).replace(/\s+/g, " ").trim();
  return excerpt(text, RESPONSE_EXCERPT_CHARS);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
