import { expect, test } from "bun:test";
import { Hono } from "hono";
import { ConfigError, loadConfig } from "./config.ts";
import { sourceIpOf, type ServerBindings } from "./source-ip.ts";

async function ask(trusted: string[], remoteAddress: string | undefined, forwardedFor?: string): Promise<string> {
  const app = new Hono().get("/", (c) => c.text(sourceIpOf(c, trusted) ?? "none"));
  const req = new Request("http://x/", { headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} });
  const res = await app.fetch(req, { remoteAddress } satisfies ServerBindings);
  return res.text();
}

const PROXIES = ["10.0.0.0/8", "127.0.0.1", "fd00::/8"];

test.each([
  ["the socket peer when nothing is forwarded", [], "203.0.113.7", undefined, "203.0.113.7"],
  ["the peer, not the header, when no proxy is trusted (the default), even from loopback", [], "127.0.0.1", "1.2.3.4", "127.0.0.1"],
  ["the peer, not the header, from a private peer that is not listed", ["127.0.0.1"], "192.168.1.5", "1.2.3.4", "192.168.1.5"],
  ["the peer, not a header a public client forged", PROXIES, "203.0.113.7", "1.2.3.4", "203.0.113.7"],
  ["the forwarded client behind a trusted proxy", PROXIES, "127.0.0.1", "198.51.100.4", "198.51.100.4"],
  ["the first untrusted hop from the right behind a chain of trusted proxies", PROXIES, "10.1.2.3", "6.6.6.6, 198.51.100.4, 10.0.0.2", "198.51.100.4"],
  ["the trusted proxy's peer as given when it arrives IPv4-mapped", PROXIES, "::ffff:10.1.2.3", "198.51.100.4", "198.51.100.4"],
  ["an IPv6 proxy range", PROXIES, "fd12::1", "2001:db8::7", "2001:db8::7"],
  ["the last vouched address when a hop is not an address", PROXIES, "10.1.2.3", "1.2.3.4, <script>, 10.0.0.9", "10.0.0.9"],
  ["no address when no socket is known (a request handed to the app in-process)", PROXIES, undefined, "198.51.100.4", "none"],
])("records %s", async (_label, trusted, peer, forwarded, expected) => {
  expect(await ask(trusted, peer, forwarded)).toBe(expected);
});

test("TRUSTED_PROXIES is a list of CIDRs or addresses, empty by default, and a bad entry stops start-up naming it", () => {
  const base = { SECRET_KEY: "s".repeat(16), INGEST_TOKEN: "i".repeat(16), OPERATOR_TOKEN: "o".repeat(16), DATA_DIR: "/nonexistent-unused" };
  expect(loadConfig(base).trustedProxies).toEqual([]);
  expect(loadConfig({ ...base, TRUSTED_PROXIES: " 10.0.0.0/8, ::1 ,fd00::/8" }).trustedProxies).toEqual(["10.0.0.0/8", "::1", "fd00::/8"]);
  expect(() => loadConfig({ ...base, TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/TRUSTED_PROXIES: must be a comma-separated list of CIDRs/);
  expect(() => loadConfig({ ...base, TRUSTED_PROXIES: "proxy.internal" })).toThrow(ConfigError);
});
