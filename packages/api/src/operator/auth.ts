import { DomainError } from "@activity-log/core";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http-context.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** True when `given` equals `expected`, in time independent of where they differ (or of their lengths). */
export function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Requires `Authorization: Bearer <token>`; anything else is 401 UnauthorizedException. */
export function requireBearer(tokenOf: (c: Context<AppEnv>) => string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new DomainError("UnauthorizedException", "This API requires an Authorization: Bearer <token> header.");
    if (!tokensMatch(match[1], tokenOf(c))) throw new DomainError("UnauthorizedException", "The bearer token is not valid.");
    await next();
  });
}
