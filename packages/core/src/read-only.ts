// Classifies an API method name as read-only (it only read state) or not.
// A verb-prefix rule covers nearly all AWS-style names; an explicit table fixes the
// names the prefix rule gets wrong, in both directions.

/** Verbs that only read. Matched as a whole word: `List` matches `ListBuckets`, not `Listen`. */
export const READ_ONLY_PREFIXES = [
  "Describe",
  "Get",
  "List",
  "Lookup",
  "Head",
  "Search",
  "Select",
  "Query",
  "Scan",
  "Check",
  "Validate",
  "Simulate",
  "Estimate",
  "Preview",
  "Download",
  "Filter",
  "BatchGet",
  "BatchDescribe",
] as const;

/** Exceptions to the prefix rule. `true` = read-only although no prefix matches, `false` = writes although one does. */
export const READ_ONLY_OVERRIDES: Readonly<Record<string, boolean>> = {
  // KMS crypto operations read key state and change nothing (CloudTrail marks them read-only).
  Decrypt: true,
  Encrypt: true,
  ReEncrypt: true,
  GenerateDataKey: true,
  GenerateDataKeyWithoutPlaintext: true,
  GenerateDataKeyPair: true,
  GenerateRandom: true,
  GenerateMac: true,
  VerifyMac: true,
  Sign: true,
  Verify: true,
  // Issuing credentials is a security-relevant change an auditor wants to see with the
  // default "Read only: No" filter, so these count as writes despite `Get`.
  GetSessionToken: false,
  GetFederationToken: false,
  GetAuthorizationToken: false,
  // Cognito GetId creates an identity on first call.
  GetId: false,
  // Console sign-in flow: never read-only.
  CheckMfa: false,
  ConsoleLogin: false,
  ConsoleSignOut: false,
};

function startsWithVerb(name: string, verb: string): boolean {
  if (!name.startsWith(verb)) return false;
  if (name.length === verb.length) return true;
  const next = name.charCodeAt(verb.length);
  // Next char must start a new word: uppercase letter, digit or underscore.
  return (next >= 65 && next <= 90) || (next >= 48 && next <= 57) || next === 95;
}

export function isReadOnly(eventName: string): boolean {
  const override = READ_ONLY_OVERRIDES[eventName];
  if (override !== undefined && Object.hasOwn(READ_ONLY_OVERRIDES, eventName)) return override;
  for (const verb of READ_ONLY_PREFIXES) if (startsWithVerb(eventName, verb)) return true;
  return false;
}

/** Label the console shows for the ReadOnly column and filter. */
export function readOnlyLabel(readOnly: boolean): "Yes" | "No" {
  return readOnly ? "Yes" : "No";
}
