import { describe, expect, test } from "bun:test";
import { ADMIN_GROUP } from "./access.ts";
import {
  consoleProject,
  isAccountId,
  randomAccountId,
  validateAccountId,
  validateAccountName,
  validateImportedKeyPair,
  validatePassword,
  validateProjectName,
  validateUserName,
} from "./iam.ts";

describe("IAM names", () => {
  test("account names: 2–63 of a-z, 0-9 and '-', starting with a letter or digit", () => {
    for (const ok of ["acme", "a1", "acme-prod", "0day"]) expect(() => validateAccountName(ok)).not.toThrow();
    for (const bad of ["a", "Acme", "-acme", "acme_prod", "x".repeat(64)]) expect(() => validateAccountName(bad)).toThrow(/Account name/);
  });
  test("an alias is never all digits, so it cannot be mistaken for an account id", () => {
    for (const bad of ["123456789012", "42"]) expect(() => validateAccountName(bad)).toThrow(/must not be all digits/);
  });
  test("account ids are exactly 12 digits", () => {
    expect(isAccountId("012345678901")).toBe(true);
    for (const bad of ["12345678901", "1234567890123", "acme", "12345678901a"]) {
      expect(isAccountId(bad)).toBe(false);
      expect(() => validateAccountId(bad)).toThrow(/12 digits/);
    }
  });
  test("random account ids: 12 uniform digits, bytes of 250 and above rejected", () => {
    const ids = new Set(Array.from({ length: 200 }, () => randomAccountId((n) => crypto.getRandomValues(new Uint8Array(n)))));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^\d{12}$/);
    // 255 and 250 are skipped (they would favour 0–5); 9 → "9", 13 → "3".
    const fixed = [255, 250, 9, 13, 0, 1, 2, 3, 4, 5, 6, 7, 8, 249];
    expect(randomAccountId(() => new Uint8Array([...fixed, ...fixed, ...fixed]))).toBe("930123456789");
  });
  test("project and user names", () => {
    expect(() => validateProjectName("web.prod_1")).not.toThrow();
    expect(() => validateProjectName(".hidden")).toThrow(/Project name/);
    expect(() => validateUserName("alice@example.com")).not.toThrow();
    expect(() => validateUserName("alice smith")).toThrow(/User name/);
  });
  test("passwords and imported key pairs", () => {
    expect(() => validatePassword("1234567")).toThrow(/at least 8/);
    expect(() => validatePassword("12345678")).not.toThrow();
    expect(() => validateImportedKeyPair({ accessKeyId: "AK!", secretAccessKey: "secret-1234" })).toThrow(/access key id/);
    expect(() => validateImportedKeyPair({ accessKeyId: "AKIA1234", secretAccessKey: "has space" })).toThrow(/secret access key/);
  });
  test("a console session acts in the first project where the user administers Activity Log", () => {
    expect(
      consoleProject([
        { project: "a", group: "Developers" },
        { project: "b", group: ADMIN_GROUP },
      ]),
    ).toBe("b");
    expect(consoleProject([{ project: "a", group: "Developers" }])).toBe("a");
    expect(consoleProject([])).toBe("default");
  });
});
