/**
 * Encrypts stored secrets (access-key secrets) and signs tokens with keys derived from SECRET_KEY.
 * AES-256-GCM with a random 96-bit nonce; HMAC-SHA256 for signatures. Derivation by HKDF keeps the
 * encryption and signing keys independent although both come from one configured secret.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  sign(data: string): string;
  verify(data: string, signature: string): boolean;
}

export function createSecretBox(secretKey: string): SecretBox {
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", secretKey, "activity-log", info, 32));
  const encKey = derive("secret-encryption");
  const macKey = derive("token-signing");
  const sign = (data: string) => createHmac("sha256", macKey).update(data).digest("base64url");
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", encKey, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return ["v1", iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
    },
    decrypt(sealed) {
      const [version, iv, body, tag] = sealed.split(".");
      if (version !== "v1" || !iv || !body || !tag) throw new Error("sealed secret has an unknown format");
      const decipher = createDecipheriv("aes-256-gcm", encKey, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
    sign,
    verify(data, signature) {
      const expected = Buffer.from(sign(data));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
