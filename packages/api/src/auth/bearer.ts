import { DomainError } from "@activity-log/core";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http-context.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** True when `given` equals `expected`, in time independent of where they differ (or of their lengths). */
function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export interface BearerOptions {
  /** The realm of the WWW-Authenticate challenge a refused request gets. */
  realm: string;
  /** What a request without a token, or with a wrong one, is told (one sentence for both keeps probing blind). */
  missing: string;
  invalid: string;
}

/**
 * Requires `Authorization: Bearer <token>` (the internal APIs: ingest, operator); anything else is
 * 401 UnauthorizedException with a Bearer challenge, before any other check.
 */
export function requireBearer(tokenOf: (c: Context<AppEnv>) => string, options: BearerOptions) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const refused = !match?.[1] ? options.missing : tokensMatch(match[1], tokenOf(c)) ? null : options.invalid;
    if (refused !== null) {
      c.header("WWW-Authenticate", `Bearer realm="${options.realm}"`);
      throw new DomainError("UnauthorizedException", refused);
    }
    await next();
  });
}
