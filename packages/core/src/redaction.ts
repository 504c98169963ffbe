/**
 * What a recorded call must never hold: the values of secret-named keys (passwords, secret keys,
 * tokens, credentials) are replaced at any depth before an event is stored, as CloudTrail does.
 */

export const HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";

/** Key names whose values are secrets: passwords, secret keys, tokens, credentials. */
const SECRET_KEY_NAME = /password|passwd|secret|token|credential|authorization|cookie|private_?key/i;
/** Pagination tokens are not secrets and are useful when reading a call back. */
const NOT_SECRET = new Set(["nexttoken", "paginationtoken"]);

export function isSecretKeyName(key: string): boolean {
  return SECRET_KEY_NAME.test(key) && !NOT_SECRET.has(key.toLowerCase());
}

/** A deep copy with the values of secret-named keys replaced, at any depth. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKeyName(k) && v !== null && v !== undefined ? HIDDEN : redactSecrets(v);
    return out as T;
  }
  return value;
}
