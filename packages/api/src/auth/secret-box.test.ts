import { expect, test } from "bun:test";
import { createSecretBox } from "./secret-box.ts";

const box = createSecretBox("test-secret-key-of-sufficient-length");

test("a secret round-trips and is not stored in clear", () => {
  const sealed = box.encrypt("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  expect(sealed).not.toContain("wJalr");
  expect(box.decrypt(sealed)).toBe("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
});

test("a tampered or foreign sealed secret does not decrypt", () => {
  const sealed = box.encrypt("secret");
  const parts = sealed.split(".");
  parts[2] = Buffer.from("other!").toString("base64url");
  expect(() => box.decrypt(parts.join("."))).toThrow();
  expect(() => createSecretBox("another-key-entirely-different").decrypt(sealed)).toThrow();
});

test("signatures verify only for the same data and key", () => {
  const sig = box.sign("payload");
  expect(box.verify("payload", sig)).toBe(true);
  expect(box.verify("payload2", sig)).toBe(false);
  expect(createSecretBox("another-key-entirely-different").verify("payload", sig)).toBe(false);
});
