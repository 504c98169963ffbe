import { describe, expect, test } from "bun:test";
import { ADMIN_GROUP, assertCanUseActivityLog, assertSameAccount, canSignInToConsole, type Caller } from "./access.ts";
import { DomainError } from "./errors.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (e) {
    return e instanceof DomainError ? e.code : "other";
  }
}

const caller = (patch: Partial<Caller>): Caller => ({
  accountId: "acme",
  userId: "u-alice",
  userName: "alice",
  project: "default",
  accessKeyId: null,
  isSystem: false,
  groups: [],
  subscriptionActive: true,
  ...patch,
});

describe("assertCanUseActivityLog", () => {
  const admin = [{ project: "prod", group: ADMIN_GROUP }];
  const cases: [string, Partial<Caller>, string][] = [
    ["admin, active", { groups: admin }, "none"],
    [
      "admin in another project counts",
      {
        groups: [
          { project: "x", group: "Dev" },
          { project: "y", group: ADMIN_GROUP },
        ],
      },
      "none",
    ],
    ["no groups", {}, "AccessDeniedException"],
    ["other group", { groups: [{ project: "prod", group: "Developers" }] }, "AccessDeniedException"],
    ["group name is case-sensitive", { groups: [{ project: "prod", group: "activitylogadministrators" }] }, "AccessDeniedException"],
    ["admin, inactive", { groups: admin, subscriptionActive: false }, "SubscriptionRequiredException"],
    ["access checked first", { subscriptionActive: false }, "AccessDeniedException"],
    ["system user without group", { isSystem: true }, "AccessDeniedException"],
  ];
  for (const [label, patch, expected] of cases) test(label, () => expect(codeOf(() => assertCanUseActivityLog(caller(patch)))).toBe(expected));
  test("message names the group", () => expect(() => assertCanUseActivityLog(caller({}))).toThrow(ADMIN_GROUP));
});

test.each([
  [false, true],
  [true, false],
])("canSignInToConsole(isSystem=%p) → %p", (isSystem, expected) => {
  expect(canSignInToConsole({ isSystem })).toBe(expected);
});

describe("assertSameAccount", () => {
  test("same", () => expect(codeOf(() => assertSameAccount("acme", "acme"))).toBe("none"));
  test("other → NotFound", () => expect(codeOf(() => assertSameAccount("acme", "evil"))).toBe("NotFoundException"));
  test("custom not-found", () =>
    expect(codeOf(() => assertSameAccount("acme", "evil", { code: "TrailNotFoundException", message: "Unknown trail" }))).toBe("TrailNotFoundException"));
});
