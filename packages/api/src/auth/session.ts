/**
 * Console sessions. The browser holds a random token in an HttpOnly, SameSite=Strict cookie; the
 * database holds only its SHA-256, so a leaked table cannot be replayed. Every state-changing request
 * must also carry the session's CSRF token in `X-CSRF-Token` (the SPA keeps it in memory and gets it
 * back from /me after a reload). Sessions slide: each use pushes the idle expiry forward; the worker
 * closes expired ones and records AwsConsoleAutoSignOut.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  type Caller,
  DomainError,
  isSessionAlive,
  isSignInThrottled,
  SECOND_MS,
  SESSION_MAX_MS,
  sessionExpiresAt,
  sessionNeedsTouch,
  SIGN_IN_FAILURE_WINDOW_MS,
  SIGN_IN_THROTTLED_MESSAGE,
  signInFailureWindowStart,
} from "@activity-log/core";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { findUserForSignIn, loadCaller } from "../db/iam.ts";
import { clearSignInFailures, closeSession, countSignInFailures, findOpenSession, insertSession, recordSignInFailure, touchSession } from "../db/sessions.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../http-context.ts";

const SESSION_COOKIE = "al_session";

const hashSessionToken = (token: string) => createHash("sha256").update(token).digest("hex");

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Secure only over TLS (directly or behind a proxy that says so), so plain-http local use still works. */
function isTls(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

export type SignInInput = { account: string; user: string; password: string };

export type SignedIn = { token: string; csrfToken: string; caller: Caller; expiresAt: Date };

/**
 * Checks the password and opens a session. Wrong account, user or password all give the same
 * answer so the form cannot be used to discover names; too many failures in a row give
 * ThrottlingException (429) until the window passes. `known` tells the caller whether the account
 * exists, i.e. whether the attempt can be recorded as one of its events.
 */
export async function signIn(deps: AppDeps, input: SignInInput, client: { sourceIp: string | null; userAgent: string | null }): Promise<SignedIn> {
  const { db } = deps.database;
  const now = deps.clock.now();
  if (isSignInThrottled(await countSignInFailures(db, input.account, input.user, signInFailureWindowStart(now)))) {
    throw new DomainError("ThrottlingException", SIGN_IN_THROTTLED_MESSAGE, { retryAfterSeconds: SIGN_IN_FAILURE_WINDOW_MS / SECOND_MS });
  }
  const found = await findUserForSignIn(db, input.account, input.user);
  const hash = found?.user.passwordHash ?? null;
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which names exist.
  const ok = await Bun.password.verify(input.password, hash ?? DUMMY_HASH).catch(() => false);
  if (!found || !hash || !ok || found.caller.isSystem) {
    await recordSignInFailure(db, { accountId: input.account, userName: input.user, sourceIp: client.sourceIp, at: now });
    throw new DomainError("UnauthorizedException", "The account, user name or password is incorrect.");
  }
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = sessionExpiresAt(now, now);
  await insertSession(db, {
    tokenHash: hashSessionToken(token),
    accountId: found.caller.accountId,
    userId: found.caller.userId,
    csrfToken,
    sourceIp: client.sourceIp,
    userAgent: client.userAgent,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
  });
  // A success clears the failure count, so the owner is not locked out by earlier typos.
  await clearSignInFailures(db, input.account, input.user);
  return { token, csrfToken, caller: found.caller, expiresAt };
}

const DUMMY_HASH = await Bun.password.hash("activity-log-dummy-password");

export type OpenSession = { tokenHash: string; csrfToken: string; caller: Caller };

/** The open, unexpired session of a cookie token, sliding its expiry; null otherwise. */
async function findSession(deps: AppDeps, token: string): Promise<OpenSession | null> {
  const { db } = deps.database;
  const now = deps.clock.now();
  const tokenHash = hashSessionToken(token);
  const row = await findOpenSession(db, tokenHash, now);
  if (!row) return null;
  if (!isSessionAlive(row, now)) return null;
  if (sessionNeedsTouch(row.lastSeenAt, now)) {
    const expiresAt = sessionExpiresAt(row.createdAt, now);
    await touchSession(db, tokenHash, now, expiresAt);
  }
  const caller = await loadCaller(db, row.userId, null, null);
  return { tokenHash, csrfToken: row.csrfToken, caller };
}

/** Signs out: the session never authenticates again. */
export async function signOut(deps: AppDeps, tokenHash: string): Promise<void> {
  await closeSession(deps.database.db, tokenHash, deps.clock.now());
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: isTls(c),
    path: "/api/v1",
    maxAge: Math.floor(SESSION_MAX_MS / 1000),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/api/v1", secure: isTls(c), httpOnly: true, sameSite: "Strict" });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Requires a signed-in session: sets `caller` and the session, fills the call record with who is
 * calling, and rejects state-changing requests without the session's CSRF token.
 */
export function requireSession(): MiddlewareHandler<AppEnv & { Variables: { session: OpenSession } }> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await findSession(c.get("deps"), token) : null;
    if (!session) {
      throw new DomainError("UnauthorizedException", "You are not signed in, or your session has expired. Sign in again.");
    }
    const call = c.get("call");
    call.accountId = session.caller.accountId;
    call.userName = session.caller.userName;
    call.project = session.caller.project;
    call.accessKeyId = null;
    c.set("caller", session.caller);
    c.set("session", session);
    if (!SAFE_METHODS.has(c.req.method)) {
      const given = c.req.header("x-csrf-token") ?? "";
      if (!sameSecret(given, session.csrfToken)) {
        throw new DomainError("AccessDeniedException", "The request is missing a valid X-CSRF-Token header. Reload the page and try again.");
      }
    }
    await next();
  };
}
