import { describe, expect, test } from "bun:test";
import { parseCommand, UsageError } from "./commands.ts";

describe("parseCommand", () => {
  test.each([
    [["account", "create", "acme"], { method: "POST", path: "/accounts", body: { account: "acme" } }],
    [["account", "show", "acme"], { method: "GET", path: "/accounts/acme" }],
    [["project", "create", "acme", "production"], { method: "POST", path: "/accounts/acme/projects", body: { project: "production" } }],
    [["user", "create", "acme", "alice"], { method: "POST", path: "/accounts/acme/users", body: { user: "alice" } }],
    [
      ["user", "create", "acme", "alice", "--password", "p@ss word"],
      { method: "POST", path: "/accounts/acme/users", body: { user: "alice", password: "p@ss word" } },
    ],
    [["user", "create", "--password=x=y", "acme", "alice"], { method: "POST", path: "/accounts/acme/users", body: { user: "alice", password: "x=y" } }],
    [["group", "add", "acme", "alice", "default"], { method: "PUT", path: "/accounts/acme/projects/default/administrators/alice" }],
    [["group", "remove", "acme", "a/b", "default"], { method: "DELETE", path: "/accounts/acme/projects/default/administrators/a%2Fb" }],
    [["key", "create", "acme", "alice", "default"], { method: "POST", path: "/accounts/acme/access-keys", body: { user: "alice", project: "default" } }],
    [
      ["key", "create", "acme", "alice", "default", "--access-key-id", "AKIA1", "--secret-access-key", "s3cr3t"],
      { method: "POST", path: "/accounts/acme/access-keys", body: { user: "alice", project: "default", accessKeyId: "AKIA1", secretAccessKey: "s3cr3t" } },
    ],
    [["user", "disable", "acme", "alice"], { method: "PUT", path: "/accounts/acme/users/alice/status", body: { status: "Disabled" } }],
    [["user", "enable", "acme", "alice"], { method: "PUT", path: "/accounts/acme/users/alice/status", body: { status: "Enabled" } }],
    [["user", "delete", "acme", "alice"], { method: "DELETE", path: "/accounts/acme/users/alice" }],
    [["key", "deactivate", "acme", "AKIA1"], { method: "PUT", path: "/accounts/acme/access-keys/AKIA1/status", body: { status: "Inactive" } }],
    [["key", "activate", "acme", "AKIA1"], { method: "PUT", path: "/accounts/acme/access-keys/AKIA1/status", body: { status: "Active" } }],
    [["key", "delete", "acme", "AKIA1"], { method: "DELETE", path: "/accounts/acme/access-keys/AKIA1" }],
    [
      ["bucket", "create", "acme", "default", "acme-audit"],
      { method: "POST", path: "/accounts/acme/buckets", body: { project: "default", bucket: "acme-audit" } },
    ],
    [["subscription", "set", "acme", "inactive"], { method: "PUT", path: "/accounts/acme/subscription", body: { status: "inactive" } }],
    [["quota", "set", "acme", "trails", "5"], { method: "PUT", path: "/accounts/acme/quotas/trails", body: { value: 5 } }],
    [["quota", "set", "acme", "rules", "20"], { method: "PUT", path: "/accounts/acme/quotas/rules", body: { value: 20 } }],
    [["rules", "list", "acme"], { method: "GET", path: "/accounts/acme/rules" }],
    [["rules", "quota", "acme", "25"], { method: "PUT", path: "/accounts/acme/quotas/rules", body: { value: 25 } }],
    [["quota", "set", "acme", "bogus", "5"], { method: "PUT", path: "/accounts/acme/quotas/bogus", body: { value: 5 } }],
    [
      ["validate-trail", "acme", "t1", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-02T00:00:00Z"],
      { method: "POST", path: "/accounts/acme/trails/t1/validate", body: { from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" }, validation: true },
    ],
  ])("%p", (argv, expected) => {
    expect(parseCommand(argv as string[])).toEqual(expected as never);
  });

  test.each([
    [[], /No command/],
    [["account"], /Unknown command/],
    [["account", "delete", "acme"], /Unknown command/],
    [["account", "create"], /account create takes <account>; got nothing/],
    [["account", "create", "a", "b"], /got a b/],
    [["user", "create", "acme", "alice", "--pasword", "x"], /Unknown option --pasword; this command accepts --password/],
    [["user", "create", "acme", "alice", "--password"], /needs a value/],
    [["account", "create", "acme", "--force"], /takes no options/],
    [["key", "create", "acme", "alice", "default", "--access-key-id", "AKIA1"], /give both or neither/],
    [["subscription", "set", "acme", "on"], /active or inactive; got on/],
    [["quota", "set", "acme", "trails", "many"], /whole number; got many/],
    [["validate-trail", "acme", "t1"], /needs --from/],
    [["rules", "list"], /rules list takes <account>; got nothing/],
    [["rules", "quota", "acme", "lots"], /rules quota takes a whole number; got lots/],
    [["rules", "delete", "acme"], /Unknown command/],
    [["key", "deactivate", "acme"], /key deactivate takes <account> <access-key-id>; got acme/],
    [["user", "delete", "acme", "alice", "bob"], /user delete takes <account> <user>; got acme alice bob/],
    [["bucket", "create", "acme", "b"], /bucket create takes <account> <project> <bucket>/],
  ])("usage error %p", (argv, message) => {
    expect(() => parseCommand(argv as string[])).toThrow(UsageError);
    expect(() => parseCommand(argv as string[])).toThrow(message);
  });
});
