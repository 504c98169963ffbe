import { Sha256 } from "@aws-crypto/sha256-js";
import { type Caller, DomainError, MINUTE_MS } from "@activity-log/core";
import { SignatureV4 } from "@smithy/signature-v4";

/** What verification needs to know about a key: its secret, whether it is usable, and whose it is. */
interface KnownAccessKey {
  secretAccessKey: string;
  status: "Active" | "Inactive";
  caller: Caller;
}

export type AccessKeyLookup = (accessKeyId: string) => Promise<KnownAccessKey | null>;

export interface SignedRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array;
}

/** How far a request's X-Amz-Date may be from our clock, as AWS allows. */
const MAX_CLOCK_SKEW_MS = 15 * MINUTE_MS;

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9\-;]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

/**
 * Verifies an AWS Signature Version 4 request and returns who sent it. The expected signature is
 * computed by @smithy/signature-v4 over exactly the headers the client listed in SignedHeaders and
 * the raw body bytes (the AWS CLI signs four headers, the JS SDK a dozen), then compared in
 * constant time. Errors are the ones AWS answers, with AWS's wording.
 */
export async function verifySigV4(request: SignedRequest, options: { service: string; region: string; now: Date; lookup: AccessKeyLookup }): Promise<Caller> {
  const authorization = request.headers.get("authorization");
  if (!authorization) {
    throw new DomainError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  const match = AUTH_PATTERN.exec(authorization.trim());
  if (!match) throw incomplete(authorization);
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (service !== options.service) {
    throw new DomainError("InvalidSignatureException", `Credential should be scoped to correct service: '${options.service}'.`);
  }
  // A credential of another region is refused, as AWS does: a signature made for one region must not be replayable in another.
  if (region !== options.region) {
    throw new DomainError("InvalidSignatureException", `Credential should be scoped to a valid region, not '${region}'.`);
  }
  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host")) {
    throw new DomainError("InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  // X-Amz-Target picks the operation: unsigned, a captured request could be replayed as another operation.
  if (request.headers.has("x-amz-target") && !signedHeaders.includes("x-amz-target")) {
    throw new DomainError("InvalidSignatureException", "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const amzDate = request.headers.get("x-amz-date");
  if (!amzDate || !signedHeaders.includes("x-amz-date")) {
    throw new DomainError("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header, signed.");
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) {
    throw new DomainError("IncompleteSignatureException", `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw new DomainError(
      "InvalidSignatureException",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  checkClockSkew(signingDate, options.now);

  const key = await options.lookup(accessKeyId!);
  if (key?.status !== "Active") {
    throw new DomainError("UnrecognizedClientException", "The security token included in the request is invalid.");
  }

  const bodyHash = await sha256Hex(request.body);
  const declaredHash = request.headers.get("x-amz-content-sha256");
  if (declaredHash !== null && declaredHash !== bodyHash) {
    throw new DomainError("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers.get(name);
    if (value === null) {
      throw new DomainError(
        "InvalidSignatureException",
        `The request signature we calculated does not match the signature you provided. Signed header '${name}' is missing from the request.`,
      );
    }
    headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: key.secretAccessKey },
    region: region!,
    service: service!,
    sha256: Sha256,
    // Hash only what the client hashed: never add headers it did not sign.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: url.protocol, hostname: url.hostname, path: url.pathname, query, headers, body: request.body },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? "";
  const expectedList = /SignedHeaders=([^,]+),/.exec(String(signed.headers.authorization))?.[1];
  if (expectedList !== signedHeaderList || !constantTimeEqual(expected, signature!)) {
    throw new DomainError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return key.caller;
}

function incomplete(authorization: string): DomainError {
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((part) => !authorization.includes(`${part}=`));
  const detail =
    missing.length > 0 ? missing.map((part) => `Authorization header requires '${part}' parameter.`).join(" ") : "Authorization header is malformed.";
  return new DomainError("IncompleteSignatureException", `${detail} Authorization=${authorization.split(/\s/)[0]}`);
}

/** `YYYYMMDDTHHMMSSZ` → Date, or null when it is not that format. */
function parseAmzDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? null : date;
}

function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** AWS's wording for requests signed too long ago or too far ahead. */
function checkClockSkew(signingDate: Date, now: Date): void {
  const earliest = new Date(now.getTime() - MAX_CLOCK_SKEW_MS);
  const latest = new Date(now.getTime() + MAX_CLOCK_SKEW_MS);
  if (signingDate < earliest) {
    throw new DomainError(
      "InvalidSignatureException",
      `Signature expired: ${formatAmzDate(signingDate)} is now earlier than ${formatAmzDate(earliest)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (signingDate > latest) {
    throw new DomainError(
      "InvalidSignatureException",
      `Signature not yet current: ${formatAmzDate(signingDate)} is still later than ${formatAmzDate(latest)} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  const hash = new Sha256();
  hash.update(body);
  return [...(await hash.digest())].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
