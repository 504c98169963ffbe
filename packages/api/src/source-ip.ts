import type { Context } from "hono";

/** What server.ts hands to app.fetch as Hono's env: the socket peer of the request. */
export interface ServerBindings {
  remoteAddress?: string;
}

/**
 * The client address: the socket peer that Bun.serve hands in as `c.env.remoteAddress` (server.ts).
 * X-Forwarded-For is believed only when that peer is a loopback or private address, i.e. a proxy of
 * ours; a client on the internet cannot forge the address its call is recorded with.
 */
export function sourceIpOf(c: Context): string | null {
  const peer = (c.env as ServerBindings | undefined)?.remoteAddress ?? null;
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  if (forwarded && (peer === null || isInternalAddress(peer))) return forwarded;
  return peer;
}

function isInternalAddress(ip: string): boolean {
  const v4 = ip.replace(/^::ffff:/, "");
  return (
    v4 === "::1" || /^127\./.test(v4) || /^10\./.test(v4) || /^192\.168\./.test(v4) || /^172\.(1[6-9]|2\d|3[01])\./.test(v4) || /^f[cd][0-9a-f]{2}:/i.test(v4)
  );
}
