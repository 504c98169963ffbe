import { describe, expect, test } from "bun:test";
import { createPortableSecretBox } from "./portable-secret-box.ts";
import { createSecretBox } from "./secret-box.ts";

const KEY = "portable-box-test-key-0123456789";
const node = createSecretBox(KEY);
const portable = createPortableSecretBox(KEY);
// (An empty secret is refused by both: a secret access key is never empty.)
const SAMPLES = ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "ünïcødé ✓ секрет", "x".repeat(1000)];

describe("portable secret box", () => {
  test("opens what the node:crypto box sealed", () => {
    for (const plain of SAMPLES) expect(portable.decrypt(node.encrypt(plain))).toBe(plain);
  });

  test("seals what the node:crypto box opens", () => {
    for (const plain of SAMPLES) expect(node.decrypt(portable.encrypt(plain))).toBe(plain);
  });

  test("signs byte for byte like the node:crypto box, and each verifies the other's signatures", () => {
    for (const data of ["page-token", "", "ünïcødé"]) {
      expect(portable.sign(data)).toBe(node.sign(data));
      expect(portable.verify(data, node.sign(data))).toBe(true);
      expect(node.verify(data, portable.sign(data))).toBe(true);
    }
  });

  test("refuses a tampered seal, another key's seal and a foreign signature", () => {
    const sealed = node.encrypt("secret");
    const [v, iv, body, tag] = sealed.split(".");
    const flipped = body![0] === "A" ? `B${body!.slice(1)}` : `A${body!.slice(1)}`;
    expect(() => portable.decrypt([v, iv, flipped, tag].join("."))).toThrow();
    expect(() => portable.decrypt(createSecretBox("another-key-0123456789abcdef").encrypt("secret"))).toThrow();
    expect(() => portable.decrypt("v2.a.b.c")).toThrow("unknown format");
    expect(() => portable.decrypt("v1.***.b.c")).toThrow();
    expect(portable.verify("data", createSecretBox("another-key-0123456789abcdef").sign("data"))).toBe(false);
    expect(portable.verify("data", `${portable.sign("data")}x`)).toBe(false);
  });

  test("uses a fresh nonce for every seal", () => {
    expect(portable.encrypt("same")).not.toBe(portable.encrypt("same"));
  });
});
