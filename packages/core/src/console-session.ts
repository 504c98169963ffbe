/**
 * Console session rules: how long a signed-in session lives. The API stores sessions; these
 * functions decide. Sign-in guessing is sign-in-throttle.ts.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from "./time.ts";

/** Idle lifetime: a session unused this long is closed (sliding), then recorded as AwsConsoleAutoSignOut. */
export const SESSION_IDLE_MS = 12 * HOUR_MS;
/** Absolute lifetime: even a busy session signs in again after this. */
export const SESSION_MAX_MS = 7 * DAY_MS;

/** The expiry of a session used at `now`: idle lifetime from now, never past the absolute lifetime. */
export function sessionExpiresAt(createdAt: Date, now: Date): Date {
  return new Date(Math.min(now.getTime() + SESSION_IDLE_MS, createdAt.getTime() + SESSION_MAX_MS));
}

/** A session's last use is written at most once a minute, so reads do not each cost a write. */
const SESSION_TOUCH_EVERY_MS = MINUTE_MS;

/** Whether a use at `now` should record itself (and slide the expiry): the last recorded use is over a minute old. */
export function sessionNeedsTouch(lastSeenAt: Date, now: Date): boolean {
  return now.getTime() - lastSeenAt.getTime() > SESSION_TOUCH_EVERY_MS;
}

/** Whether a session may still authenticate at `now`. */
export function isSessionAlive(session: { createdAt: Date; expiresAt: Date; closedAt: Date | null }, now: Date): boolean {
  return session.closedAt === null && now < session.expiresAt && now.getTime() - session.createdAt.getTime() <= SESSION_MAX_MS;
}
