// Keys and users can be revoked (issue 12 item 6): through the operator API and the CLI, an access
// key is deactivated, reactivated and deleted, a user disabled, enabled and deleted; each takes
// effect at the very next request and is recorded as an event of the account.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ListTrailsCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { runCli } from "../admin/cli.ts";
import {
  cloudTrailClient,
  consoleBrowser,
  createTestUser,
  operatorRequest,
  startTestServer,
  TEST_OPERATOR_TOKEN,
  type TestServer,
  type TestUser,
} from "../test-kit/index.ts";

let h: TestServer;
let auditor: TestUser;
const PASSWORD = "revocation-test-password";

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  auditor = await createTestUser(h, "revoke-co", "auditor");
}, 300_000);
afterAll(async () => {
  await h?.close();
}, 30_000);

/** A new administrator of revoke-co with a known password and a key. */
async function newAdmin(name: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  expect((await operatorRequest(h, "POST", "/accounts/revoke-co/users", { user: name, password: PASSWORD })).status).toBe(201);
  expect((await operatorRequest(h, "PUT", `/accounts/revoke-co/projects/default/administrators/${name}`)).status).toBe(200);
  const key = (await (await operatorRequest(h, "POST", "/accounts/revoke-co/access-keys", { user: name, project: "default" })).json()) as {
    AccessKeyId: string;
    SecretAccessKey: string;
  };
  return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
}

/** Whether a key authenticates right now: null when it does, else the error name. */
async function keyRefusal(key: { accessKeyId: string; secretAccessKey: string }): Promise<string | null> {
  const client = cloudTrailClient(h, key);
  try {
    await client.send(new ListTrailsCommand({}));
    return null;
  } catch (e) {
    return (e as Error).name;
  } finally {
    client.destroy();
  }
}

/** The operator events of revoke-co with this name, as an auditor of the account finds them. */
async function operatorEvents(eventName: string): Promise<Record<string, unknown>[]> {
  const client = cloudTrailClient(h, auditor);
  const page = await client.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: eventName }] }));
  client.destroy();
  return (page.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>);
}

describe("access keys", () => {
  test("deactivate, activate and delete take effect at the next request and are recorded", async () => {
    const key = await newAdmin("kim");
    expect(await keyRefusal(key)).toBeNull();

    const off = await operatorRequest(h, "PUT", `/accounts/revoke-co/access-keys/${key.accessKeyId}/status`, { status: "Inactive" });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ accessKeyId: key.accessKeyId, userName: "kim", project: "default", status: "Inactive" });
    expect(await keyRefusal(key)).toBe("UnrecognizedClientException");

    expect((await operatorRequest(h, "PUT", `/accounts/revoke-co/access-keys/${key.accessKeyId}/status`, { status: "Active" })).status).toBe(200);
    expect(await keyRefusal(key)).toBeNull();

    expect((await operatorRequest(h, "DELETE", `/accounts/revoke-co/access-keys/${key.accessKeyId}`)).status).toBe(200);
    expect(await keyRefusal(key)).toBe("UnrecognizedClientException");
    // Deleted means gone: a second delete, or a status change, is 404.
    expect((await operatorRequest(h, "DELETE", `/accounts/revoke-co/access-keys/${key.accessKeyId}`)).status).toBe(404);

    const updates = await operatorEvents("UpdateAccessKey");
    const mine = updates.filter((e) => (e.requestParameters as { accessKeyId?: string }).accessKeyId === key.accessKeyId);
    expect(mine.map((e) => (e.requestParameters as { status: string }).status).sort()).toEqual(["Active", "Inactive"]);
    expect(mine[0]).toMatchObject({ eventSource: "activitylog.operator", userIdentity: expect.objectContaining({ userName: "operator" }) });
    const deletes = (await operatorEvents("DeleteAccessKey")).filter((e) => (e.requestParameters as { accessKeyId?: string }).accessKeyId === key.accessKeyId);
    expect(deletes.map((e) => e.errorCode ?? null).sort()).toEqual([null, "NotFoundException"].sort());
  });

  test("another account's key cannot be touched through this account's path", async () => {
    const outsider = await createTestUser(h, "revoke-other", "olga");
    for (const [method, path, body] of [
      ["PUT", `/accounts/revoke-co/access-keys/${outsider.accessKeyId}/status`, { status: "Inactive" }],
      ["DELETE", `/accounts/revoke-co/access-keys/${outsider.accessKeyId}`, undefined],
    ] as const) {
      expect((await operatorRequest(h, method, path, body)).status).toBe(404);
    }
    expect(await keyRefusal(outsider)).toBeNull();
  });

  test("the CLI deactivates and reactivates a key", async () => {
    const key = await newAdmin("cli-kate");
    const env = { ACTIVITY_LOG_URL: h.url, OPERATOR_TOKEN: TEST_OPERATOR_TOKEN };
    const out: string[] = [];
    expect(
      await runCli(
        ["key", "deactivate", "revoke-co", key.accessKeyId],
        env,
        (s) => out.push(s),
        () => {},
      ),
    ).toBe(0);
    expect(JSON.parse(out.join(""))).toMatchObject({ status: "Inactive" });
    expect(await keyRefusal(key)).toBe("UnrecognizedClientException");
    expect(
      await runCli(
        ["key", "activate", "revoke-co", key.accessKeyId],
        env,
        () => {},
        () => {},
      ),
    ).toBe(0);
    expect(await keyRefusal(key)).toBeNull();
    const err: string[] = [];
    expect(
      await runCli(
        ["key", "delete", "revoke-co", "AKIADOESNOTEXIST0000"],
        env,
        () => {},
        (s) => err.push(s),
      ),
    ).toBe(1);
    expect(err.join("")).toContain("NotFoundException");
  });
});

describe("users", () => {
  test("a disabled user's keys and open sessions stop at once, sign-in is refused, and enabling restores them", async () => {
    const key = await newAdmin("dora");
    const browser = consoleBrowser(h);
    expect((await browser.signIn("revoke-co", "dora", PASSWORD)).status).toBe(200);
    expect((await browser.fetch("/events")).status).toBe(200);

    const disabled = await operatorRequest(h, "PUT", "/accounts/revoke-co/users/dora/status", { status: "Disabled" });
    expect(await disabled.json()).toEqual({ user: "dora", status: "Disabled", changed: true, closedSessions: 1 });

    // The console shows a disabled user nothing: the session is gone, and so is every view.
    for (const path of ["/me", "/events", "/trails", "/reports"]) expect([path, (await browser.fetch(path)).status]).toEqual([path, 401]);
    const again = await consoleBrowser(h).signIn("revoke-co", "dora", PASSWORD);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toContain("disabled");
    // A wrong password still answers like any wrong password (the state is told only to the password's holder).
    const wrong = await consoleBrowser(h).signIn("revoke-co", "dora", "not-the-password");
    expect(((await wrong.json()) as { message: string }).message).toBe("The account, user name or password is incorrect.");
    expect(await keyRefusal(key)).toBe("UnrecognizedClientException");

    expect((await operatorRequest(h, "PUT", "/accounts/revoke-co/users/dora/status", { status: "Enabled" })).status).toBe(200);
    expect(await keyRefusal(key)).toBeNull();
    expect((await consoleBrowser(h).signIn("revoke-co", "dora", PASSWORD)).status).toBe(200);
    // The session closed by disabling does not come back.
    expect((await browser.fetch("/me")).status).toBe(401);

    const updates = (await operatorEvents("UpdateUser")).filter((e) => (e.requestParameters as { userName?: string } | null)?.userName === "dora");
    expect(updates.map((e) => (e.requestParameters as { status: string }).status).sort()).toEqual(["Disabled", "Enabled"]);
  });

  test("a deleted user's keys and sessions are gone; the system user cannot be deleted", async () => {
    const key = await newAdmin("dan");
    const browser = consoleBrowser(h);
    expect((await browser.signIn("revoke-co", "dan", PASSWORD)).status).toBe(200);
    const deleted = await operatorRequest(h, "DELETE", "/accounts/revoke-co/users/dan");
    expect(await deleted.json()).toEqual({ user: "dan", deletedAccessKeys: [key.accessKeyId], deleted: true });
    expect((await browser.fetch("/me")).status).toBe(401);
    expect(await keyRefusal(key)).toBe("UnrecognizedClientException");
    expect((await consoleBrowser(h).signIn("revoke-co", "dan", PASSWORD)).status).toBe(401);
    expect((await operatorRequest(h, "DELETE", "/accounts/revoke-co/users/dan")).status).toBe(404);

    const system = await operatorRequest(h, "DELETE", "/accounts/revoke-co/users/system");
    expect(system.status).toBe(400);
    expect(((await system.json()) as { error: string }).error).toBe("ValidationException");
    expect((await operatorEvents("DeleteUser")).some((e) => (e.requestParameters as { userName?: string }).userName === "dan" && !e.errorCode)).toBe(true);
  });

  test("bad input is a clear 4xx and changes nothing", async () => {
    await newAdmin("eve");
    const cases = [
      ["PUT", "/accounts/revoke-co/users/eve/status", { status: "disabled" }, 400],
      ["PUT", "/accounts/revoke-co/users/eve/status", {}, 400],
      ["PUT", "/accounts/revoke-co/users/nobody/status", { status: "Disabled" }, 404],
      ["PUT", "/accounts/no-such-account/users/eve/status", { status: "Disabled" }, 404],
      ["PUT", "/accounts/revoke-co/access-keys/AKIA0/status", { status: "Deleted" }, 400],
    ] as const;
    for (const [method, path, body, status] of cases) {
      expect([path, (await operatorRequest(h, method, path, body)).status]).toEqual([path, status]);
    }
    expect((await consoleBrowser(h).signIn("revoke-co", "eve", PASSWORD)).status).toBe(200);
  });
});
