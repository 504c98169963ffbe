/**
 * The SecretBox of auth/secret-box.ts in pure JavaScript (@noble/ciphers + @noble/hashes), for
 * runtimes without node:crypto: WebCrypto is async-only and the SecretBox contract is synchronous.
 * Byte-compatible both ways with the node:crypto box (portable-secret-box.test.ts checks it): the same
 * HKDF-SHA256 derivation, AES-256-GCM sealed as `v1.<iv>.<ciphertext>.<tag>` in base64url, and
 * HMAC-SHA256 signatures in base64url — a secret sealed by the Bun server opens on the edge and back.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { SecretBox } from "./secret-box.ts";

const TAG_BYTES = 16;
const utf8 = new TextEncoder();

export function createPortableSecretBox(secretKey: string): SecretBox {
  const derive = (info: string) => hkdf(sha256, utf8.encode(secretKey), utf8.encode("activity-log"), utf8.encode(info), 32);
  const encKey = derive("secret-encryption");
  const macKey = derive("token-signing");
  const sign = (data: string) => toBase64Url(hmac(sha256, macKey, utf8.encode(data)));
  return {
    encrypt(plain) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = gcm(encKey, iv).encrypt(utf8.encode(plain));
      const body = sealed.subarray(0, sealed.length - TAG_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      return ["v1", toBase64Url(iv), toBase64Url(body), toBase64Url(tag)].join(".");
    },
    decrypt(sealed) {
      const [version, iv, body, tag] = sealed.split(".");
      if (version !== "v1" || !iv || !body || !tag) throw new Error("sealed secret has an unknown format");
      const joined = new Uint8Array([...fromBase64Url(body), ...fromBase64Url(tag)]);
      return new TextDecoder("utf-8", { fatal: true }).decode(gcm(encKey, fromBase64Url(iv)).decrypt(joined));
    },
    sign,
    verify(data, signature) {
      const expected = sign(data);
      if (expected.length !== signature.length) return false;
      let diff = 0;
      for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
      return diff === 0;
    },
  };
}

/** Unpadded base64url, as Node's Buffer writes it. */
function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("sealed secret is not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
