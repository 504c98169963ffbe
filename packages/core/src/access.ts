// Who may do what: membership of ActivityLogAdministrators in any project of the account
// grants the whole account; the subscription gates everything; tenants never see each other.
import { DomainError, type ErrorCode } from "./errors.ts";

export const ADMIN_GROUP = "ActivityLogAdministrators";

/** The authenticated principal of a request: the owner of a SigV4 access key, or a console session's user. */
export type Caller = {
  accountId: string;
  userId: string;
  userName: string;
  isSystem: boolean;
  /** The project of the access key, or the project a console session acts in. */
  project: string;
  accessKeyId: string | null;
  groups: { project: string; group: string }[];
  subscriptionActive: boolean;
};

export function isActivityLogAdmin(caller: Pick<Caller, "groups">): boolean {
  return caller.groups.some((g) => g.group === ADMIN_GROUP);
}

/**
 * Access is checked before the subscription, so a non-member learns nothing about the
 * account's subscription. The system user gets no bypass: it ingests through its own endpoint.
 */
export function assertCanUseActivityLog(caller: Caller): void {
  if (!isActivityLogAdmin(caller))
    throw new DomainError(
      "AccessDeniedException",
      `User ${caller.userName} is not authorized to use Activity Log. Ask an account administrator to add you to the group ${ADMIN_GROUP} in any project.`,
    );
  if (!caller.subscriptionActive)
    throw new DomainError(
      "SubscriptionRequiredException",
      "The Activity Log subscription of this account is not active. Ask an account administrator to activate it.",
    );
}

/** The system user exists for services; it cannot sign in to the console. */
export function canSignInToConsole(user: { isSystem: boolean }): boolean {
  return !user.isSystem;
}

/**
 * Tenant isolation: another account's resource answers exactly like a missing one,
 * so its existence is never revealed.
 */
export function assertSameAccount(
  callerAccountId: string,
  resourceAccountId: string,
  notFound: { code: ErrorCode; message: string } = { code: "NotFoundException", message: "The resource was not found." },
): void {
  if (callerAccountId !== resourceAccountId) throw new DomainError(notFound.code, notFound.message);
}
