import { expect, test } from "bun:test";
import { Hono } from "hono";
import { sourceIpOf, type ServerBindings } from "./source-ip.ts";

const app = new Hono().get("/", (c) => c.text(sourceIpOf(c) ?? "none"));
async function ask(remoteAddress: string | undefined, forwardedFor?: string): Promise<string> {
  const req = new Request("http://x/", { headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} });
  const res = await app.fetch(req, { remoteAddress } satisfies ServerBindings);
  return res.text();
}

test.each([
  ["the socket peer when nothing is forwarded", "203.0.113.7", undefined, "203.0.113.7"],
  ["the first forwarded hop behind our own proxy", "127.0.0.1", "198.51.100.4, 10.0.0.2", "198.51.100.4"],
  ["the first forwarded hop behind a private-network proxy", "10.1.2.3", "198.51.100.4", "198.51.100.4"],
  ["the peer, not a header a public client forged", "203.0.113.7", "1.2.3.4", "203.0.113.7"],
  ["the forwarded hop when no socket is known (app.request in tests)", undefined, "198.51.100.4", "198.51.100.4"],
])("records %s", async (_label, peer, forwarded, expected) => {
  expect(await ask(peer, forwarded)).toBe(expected);
});
