import type { Context } from "hono";
import ipaddr from "ipaddr.js";

/** What server.ts hands to app.fetch as Hono's env: the socket peer of the request. */
export interface ServerBindings {
  remoteAddress?: string;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Matcher = (address: Address) => boolean;

/** An IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`, how dual-stack sockets report IPv4) is its IPv4 address. */
function parseAddress(text: string): Address | null {
  if (!ipaddr.isValid(text)) return null;
  const parsed = ipaddr.parse(text);
  return parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

const matchers = new WeakMap<readonly string[], Matcher>();

/** The TRUSTED_PROXIES list (CIDRs or single addresses, validated by config.ts) as a predicate. */
function trustedProxyMatcher(trusted: readonly string[]): Matcher {
  let matcher = matchers.get(trusted);
  if (!matcher) {
    const ranges = trusted.map((entry) => {
      if (entry.includes("/")) return ipaddr.parseCIDR(entry);
      const address = parseAddress(entry)!;
      return [address, address.kind() === "ipv4" ? 32 : 128] as [Address, number];
    });
    matcher = (address) => ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
    matchers.set(trusted, matcher);
  }
  return matcher;
}

/**
 * The client address a call is recorded (and sign-in is throttled) with. It is the socket peer that
 * Bun.serve hands in as `c.env.remoteAddress` (server.ts), unless that peer is one of
 * TRUSTED_PROXIES: then X-Forwarded-For is read from the right, skipping our own proxies, and the
 * first address that is not one of them is the client's. With no trusted proxies (the default)
 * the header is ignored, so no client can choose the address its calls are recorded with. No
 * known peer (a request handed to the app in-process) means no known address.
 */
export function sourceIpOf(c: Context, trusted: readonly string[] = trustedProxiesOf(c)): string | null {
  const peerText = (c.env as ServerBindings | undefined)?.remoteAddress ?? null;
  if (peerText === null) return null;
  const peer = parseAddress(peerText);
  if (peer === null || trusted.length === 0) return peerText;
  const isTrusted = trustedProxyMatcher(trusted);
  if (!isTrusted(peer)) return peerText;
  const hops = (c.req.header("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "");
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseAddress(hops[i]!);
    // A hop that is not an address is forged or garbled: stop at the last address we can vouch for.
    if (hop === null) break;
    client = hop;
    if (!isTrusted(hop)) break;
  }
  return client.toString();
}

function trustedProxiesOf(c: Context): readonly string[] {
  const deps = (c.get as (key: string) => { config?: { trustedProxies?: string[] } } | undefined)("deps");
  return deps?.config?.trustedProxies ?? [];
}
