import { describe, expect, test } from "bun:test";
import { ADMIN_GROUP } from "./access.ts";
import { consoleProject, validateAccountName, validateImportedKeyPair, validatePassword, validateProjectName, validateUserName } from "./iam.ts";

describe("IAM names", () => {
  test("account names: 2–63 of a-z, 0-9 and '-', starting with a letter or digit", () => {
    for (const ok of ["acme", "a1", "acme-prod", "0day"]) expect(() => validateAccountName(ok)).not.toThrow();
    for (const bad of ["a", "Acme", "-acme", "acme_prod", "x".repeat(64)]) expect(() => validateAccountName(bad)).toThrow(/Account name/);
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
