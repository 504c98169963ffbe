/**
 * Names and credentials of accounts, projects and users: what each may look like, and what an
 * account gets at creation. An account has a 12-digit id (what AWS tooling sees: ARNs, archive keys,
 * recipientAccountId) and a name, its alias (what people type: console sign-in, the operator CLI);
 * ingest accepts either.
 */
import { ADMIN_GROUP } from "./access.ts";
import { DomainError } from "./errors.ts";

/** The project every account is created with (where the system user and operator actions live). */
export const DEFAULT_PROJECT = "default";
/** The account's own service identity, created with it; it cannot sign in to the console. */
export const SYSTEM_USER = "system";

export const ACCOUNT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** An account id as AWS has them: exactly 12 digits. No alias looks like one (validateAccountName). */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const ACCOUNT_ID_DIGITS = 12;

export const isAccountId = (s: string): boolean => ACCOUNT_ID_PATTERN.test(s);

/** A fresh random account id from 12 random decimal digits (the caller retries on the rare collision). */
export function randomAccountId(randomBytes: (n: number) => Uint8Array): string {
  let id = "";
  while (id.length < ACCOUNT_ID_DIGITS) {
    for (const byte of randomBytes(ACCOUNT_ID_DIGITS * 2)) {
      // 250 = 25 * 10: rejection sampling keeps every digit uniform.
      if (byte < 250 && id.length < ACCOUNT_ID_DIGITS) id += String(byte % 10);
    }
  }
  return id;
}
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** IAM's own user-name alphabet. */
const USER_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
/** Imported pairs come from the cloud's object storage, whose ids need not follow the AKIA form. */
const IMPORTED_ACCESS_KEY_ID = /^[A-Za-z0-9]{4,128}$/;
const IMPORTED_SECRET_ACCESS_KEY = /^[\x21-\x7e]{8,128}$/;
export const MIN_PASSWORD_LENGTH = 8;

function invalid(message: string): never {
  throw new DomainError("ValidationException", message);
}

/** An account's name (its alias). Never all digits, so an alias can never be mistaken for an id. */
export function validateAccountName(alias: string): void {
  if (!ACCOUNT_NAME_PATTERN.test(alias)) {
    invalid(`Account name "${alias}" is not valid: use 2–63 characters of a-z, 0-9 and '-', starting with a letter or digit.`);
  }
  if (/^\d+$/.test(alias)) invalid(`Account name "${alias}" is not valid: it must not be all digits (12 digits are an account id).`);
}

export function validateAccountId(accountId: string): void {
  if (!isAccountId(accountId)) invalid(`Account id "${accountId}" is not valid: an account id is 12 digits.`);
}

export function validateProjectName(project: string): void {
  if (!PROJECT_NAME.test(project)) {
    invalid(`Project name "${project}" is not valid: use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
}

export function validateUserName(userName: string): void {
  if (!USER_NAME.test(userName)) invalid(`User name "${userName}" is not valid: use 1–64 letters, digits or + = , . @ _ -.`);
}

/** A console password chosen by an operator (generated ones always pass). */
export function validatePassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) invalid(`The password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
}

/** A key pair imported from the cloud's object storage. */
export function validateImportedKeyPair(pair: { accessKeyId: string; secretAccessKey: string }): void {
  if (!IMPORTED_ACCESS_KEY_ID.test(pair.accessKeyId)) invalid("The access key id must be 4–128 letters and digits.");
  if (!IMPORTED_SECRET_ACCESS_KEY.test(pair.secretAccessKey)) invalid("The secret access key must be 8–128 printable characters without spaces.");
}

/**
 * The project a console session acts in: the first where the user is an ActivityLogAdministrator,
 * else the first of its groups', else the default project.
 */
export function consoleProject(groups: readonly { project: string; group: string }[]): string {
  return groups.find((g) => g.group === ADMIN_GROUP)?.project ?? groups[0]?.project ?? DEFAULT_PROJECT;
}
