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
  refundGuess,
  reserveGuess,
  SECOND_MS,
  SESSION_MAX_MS,
  SIGN_IN_ADDRESS_BUDGET,
  SIGN_IN_USER_BUDGET,
  sessionExpiresAt,
  sessionNeedsTouch,
  signInThrottledMessage,
} from "@activity-log/core";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type AccountRef, findSignInAccount, findSignInUser, loadCaller } from "../db/iam.ts";
import { clearSignInGuesses, closeSession, findOpenSession, insertSession, refundSignInGuess, reserveSignInGuesses, touchSession } from "../db/sessions.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../http-context.ts";
import { createAdmission } from "./admission.ts";
import { createPasswordGate } from "./password-check.ts";

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

export type SignedIn = { token: string; csrfToken: string; caller: Caller; account: AccountRef; expiresAt: Date };

/** One per process: the cores it guards are the process's. */
const passwordGate = createPasswordGate();

/**
 * The lookups before a password check (account, guess budgets, user) pass through a lane of their
 * own, newest first: under a flood of bogus attempts a real sign-in is served next instead of after
 * every statement the flood queued on the connection pool. A few at once leaves the pool to other calls.
 */
const signInLookups = createAdmission({
  concurrency: 4,
  queue: 512,
  busyMessage: "Too many sign-ins are being checked right now. Try again in a moment.",
});

// Addresses come from the socket or a parsed X-Forwarded-For hop; names are whatever was typed, so
// they are hashed (fixed length, any characters) together with the address they are bound to.
const addressKey = (sourceIp: string | null) => `address:${sourceIp ?? "unknown"}`;
const userKey = (input: SignInInput, sourceIp: string | null) =>
  `user:${createHash("sha256")
    .update(JSON.stringify([input.account, input.user, sourceIp]))
    .digest("hex")}`;

async function reserveGuesses(deps: AppDeps, input: SignInInput, sourceIp: string | null, now: Date): Promise<void> {
  const refused = await reserveSignInGuesses(
    deps.database,
    [
      { key: addressKey(sourceIp), decide: (stored) => reserveGuess(stored, now, SIGN_IN_ADDRESS_BUDGET) },
      // Reserved for unknown names too: a budget that only real users had would tell which names exist.
      { key: userKey(input, sourceIp), decide: (stored) => reserveGuess(stored, now, SIGN_IN_USER_BUDGET) },
    ],
    now,
  );
  if (refused) {
    throw new DomainError("ThrottlingException", signInThrottledMessage(refused.retryAfterMs), {
      retryAfterSeconds: Math.max(1, Math.ceil(refused.retryAfterMs / SECOND_MS)),
    });
  }
}

/**
 * Checks the password and opens a session. Wrong account, user or password all give the same
 * answer so the form cannot be used to discover names. Before any check, a guess is reserved
 * atomically from the address's budget and from the account+user's budget *from that address*
 * (core sign-in-throttle.ts), so parallel guesses cannot overrun them and a guesser elsewhere
 * cannot lock the owner out; a used-up budget answers ThrottlingException (429, Retry-After).
 * Only real users' hashes cost argon2, through the process's password gate. `onAccount` hears of
 * an existing account named by its alias as soon as it is found (its attempts are its events).
 */
export async function signIn(
  deps: AppDeps,
  input: SignInInput,
  client: { sourceIp: string | null; userAgent: string | null },
  onAccount: (account: AccountRef) => void,
): Promise<SignedIn> {
  const { db } = deps.database;
  const now = deps.clock.now();
  const { account, found } = await signInLookups.run(async () => {
    const account = await findSignInAccount(db, input.account);
    if (account) onAccount(account);
    await reserveGuesses(deps, input, client.sourceIp, now);
    return { account, found: account ? await findSignInUser(db, account, input.user) : null };
  });
  const hash = found && !found.caller.isSystem ? found.user.passwordHash : null;
  const ok = await passwordGate.verify(input.password, hash);
  if (!account || !found || !ok) throw new DomainError("UnauthorizedException", "The account, user name or password is incorrect.");
  // Only someone who knows the password learns that the user is disabled.
  if (found.user.disabledAt !== null) {
    throw new DomainError("UnauthorizedException", "This user is disabled. Ask an administrator of the account to enable it.");
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
  // A success forgets this address's guesses at the user and gives the address its guess back.
  await clearSignInGuesses(db, userKey(input, client.sourceIp));
  await refundSignInGuess(db, addressKey(client.sourceIp), refundGuess);
  return { token, csrfToken, caller: found.caller, account, expiresAt };
}

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
