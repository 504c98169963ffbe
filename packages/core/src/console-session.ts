/**
 * Console session rules: how long a signed-in session lives and when failed sign-ins are throttled.
 * The API stores sessions and counts failures; these functions decide.
 */

/** Idle lifetime: a session unused this long is closed (sliding), then recorded as AwsConsoleAutoSignOut. */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** Absolute lifetime: even a busy session signs in again after this. */
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;
/** Failed sign-ins of one account and user name allowed within the window before sign-in is refused. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_FAILURE_WINDOW_MS = 15 * 60_000;

/** The expiry of a session used at `now`: idle lifetime from now, never past the absolute lifetime. */
export function sessionExpiresAt(createdAt: Date, now: Date): Date {
  return new Date(Math.min(now.getTime() + SESSION_IDLE_MS, createdAt.getTime() + SESSION_MAX_MS));
}

/** Whether a session may still authenticate at `now`. */
export function isSessionAlive(session: { createdAt: Date; expiresAt: Date; closedAt: Date | null }, now: Date): boolean {
  return session.closedAt === null && now < session.expiresAt && now.getTime() - session.createdAt.getTime() <= SESSION_MAX_MS;
}

/** Where counting failed sign-ins starts, and whether that count refuses the next attempt. */
export function signInFailureWindowStart(now: Date): Date {
  return new Date(now.getTime() - SIGN_IN_FAILURE_WINDOW_MS);
}

export function isSignInThrottled(failuresInWindow: number): boolean {
  return failuresInWindow >= SIGN_IN_MAX_FAILURES;
}

export const SIGN_IN_THROTTLED_MESSAGE = `Too many failed sign-in attempts. Wait ${SIGN_IN_FAILURE_WINDOW_MS / 60_000} minutes and try again.`;
