/**
 * Digest signing keys: per region, 2048-bit RSA pairs that sign digests SHA256withRSA (PKCS#1 v1.5),
 * as CloudTrail's do. The private key is sealed with the secret box (SECRET_KEY) at rest; the
 * public key (DER PKCS#1) stays forever, so ListPublicKeys can answer for any range in which
 * archives may exist. A pair is rotated once it has signed for SIGNING_KEY_LIFETIME_MS: the old one's
 * validity ends where the new one's begins.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { DAY_MS } from "@activity-log/core";
import { currentSigningKey, rotateSigningKey, type SigningKeyRow, signingKeysBetween } from "../db/signing-keys.ts";
import type { AppDeps } from "../deps.ts";

export const SIGNING_KEY_LIFETIME_MS = 30 * DAY_MS;
const MODULUS_BITS = 2048;

export interface DigestSigner {
  fingerprint: string;
  /** Hex SHA256withRSA signature of the text. */
  sign(text: string): string;
}

/** Hex MD5 of the DER public key: the fingerprint CloudTrail shows and digests name. */
export const fingerprintOf = (publicKeyDer: Buffer): string => createHash("md5").update(publicKeyDer).digest("hex");

function newKeyPair(deps: Pick<AppDeps, "secrets">, region: string, validFrom: Date): SigningKeyRow {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: MODULUS_BITS });
  const der = publicKey.export({ type: "pkcs1", format: "der" });
  return {
    fingerprint: fingerprintOf(der),
    region,
    publicKeyDer: der.toString("base64"),
    privateKeySealed: deps.secrets.encrypt(privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
    validFrom,
    validTo: null,
  };
}

/** The region's current signer at `now`, creating the first pair or rotating an old one. */
export async function digestSigner(deps: Pick<AppDeps, "database" | "secrets">, region: string, now: Date): Promise<DigestSigner> {
  for (;;) {
    const current = await currentSigningKey(deps.database, region);
    if (current && now.getTime() - current.validFrom.getTime() < SIGNING_KEY_LIFETIME_MS) return signerOf(deps, current);
    // Another worker may rotate at the same moment: one wins, the others re-read its pair.
    await rotateSigningKey(deps.database, current, newKeyPair(deps, region, now));
  }
}

function signerOf(deps: Pick<AppDeps, "secrets">, row: SigningKeyRow): DigestSigner {
  const key = createPrivateKey(deps.secrets.decrypt(row.privateKeySealed));
  return { fingerprint: row.fingerprint, sign: (text) => sign("sha256", Buffer.from(text, "utf8"), key).toString("hex") };
}

/** Verifies a hex SHA256withRSA signature with a stored public key (base64 DER PKCS#1). */
export function verifyDigestSignature(publicKeyDerBase64: string, text: string, signatureHex: string): boolean {
  if (!/^(?:[0-9a-f]{2})+$/i.test(signatureHex)) return false;
  const key = createPublicKey({ key: Buffer.from(publicKeyDerBase64, "base64"), format: "der", type: "pkcs1" });
  return verify("sha256", Buffer.from(text, "utf8"), key, Buffer.from(signatureHex, "hex"));
}

/** The public keys valid at some time in [from, to] (ListPublicKeys). */
export async function publicKeysBetween(deps: Pick<AppDeps, "database">, region: string, from: Date, to: Date): Promise<SigningKeyRow[]> {
  return signingKeysBetween(deps.database, region, from, to);
}
