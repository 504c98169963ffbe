// Tenant isolation (issue 12, tests): every endpoint an account's administrator can reach, given
// another account's ids, names, ARNs, page tokens, report ids and CSRF token, refuses (or finds
// nothing), never shows a byte of the other account's data, and changes nothing of it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { insertEvents } from "../db/events.ts";
import { createUser, addToGroup } from "../db/iam.ts";
import {
  type ConsoleBrowser,
  cloudTrailClient,
  consoleBrowser,
  createTestUser,
  startTestServer,
  type TestServer,
  testAccountId,
  testIngestedEvent,
} from "../test-kit/index.ts";

let h: TestServer;
const PASSWORD = "tenant-isolation-password";
/** A name the attacker guesses and searches for (so it appears in the attacker's own recorded calls). */
const MARKER = "victim-private-marker-7f3a";
/** Text only the victim's data holds and the attacker never sends: any answer that contains it is a leak. */
const SECRET = "victim-secret-note-91c2";
const VICTIM = "victim-co";
const ATTACKER = "attacker-co";

let victimCt: CloudTrailClient;
let attackerCt: CloudTrailClient;
let victimBrowser: ConsoleBrowser;
let attackerBrowser: ConsoleBrowser;
/** What the attacker is assumed to have learned about the victim. */
const stolen = {
  trailArn: "",
  eventIds: [] as string[],
  accessKeyId: "",
  apiNextToken: "",
  consoleNextToken: "",
  reportId: "",
  csrfToken: "",
  ruleName: "",
  deliveriesToken: "",
};

async function signedInAdmin(account: string): Promise<ConsoleBrowser> {
  const db = h.deps.database.db;
  await createUser(db, testAccountId(account), "console-admin", PASSWORD);
  await addToGroup(db, testAccountId(account), "console-admin", "default");
  const browser = consoleBrowser(h);
  expect((await browser.signIn(account, "console-admin", PASSWORD)).status).toBe(200);
  return browser;
}

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  const victim = await createTestUser(h, VICTIM, "vic");
  const attacker = await createTestUser(h, ATTACKER, "mal");
  await h.createBucket("victim-private-bucket", { account: VICTIM });
  await h.createBucket("attacker-bucket", { account: ATTACKER });
  victimCt = cloudTrailClient(h, victim);
  attackerCt = cloudTrailClient(h, attacker);
  stolen.accessKeyId = victim.accessKeyId;

  const now = Date.now();
  const events = Array.from({ length: 4 }, (_, i) =>
    testIngestedEvent({
      eventID: `victim-event-${i}-${crypto.randomUUID()}`,
      eventTime: new Date(now - (i + 1) * 60_000).toISOString(),
      recipientAccountId: victim.accountId,
      eventName: "TerminateInstances",
      userName: MARKER,
      resources: [{ type: "AWS::EC2::Instance", name: `i-${MARKER}` }],
      requestParameters: { note: SECRET },
    }),
  );
  await insertEvents(h.deps.database, events);
  stolen.eventIds = events.map((e) => e.eventId);

  const created = await victimCt.send(new CreateTrailCommand({ Name: "victim-trail", S3BucketName: "victim-private-bucket", S3KeyPrefix: SECRET }));
  stolen.trailArn = created.TrailARN!;
  await victimCt.send(new StartLoggingCommand({ Name: "victim-trail" }));
  const page = await victimCt.send(new LookupEventsCommand({ MaxResults: 1, LookupAttributes: [{ AttributeKey: "Username", AttributeValue: MARKER }] }));
  stolen.apiNextToken = page.NextToken!;

  victimBrowser = await signedInAdmin(VICTIM);
  attackerBrowser = await signedInAdmin(ATTACKER);
  const consolePage = (await (await victimBrowser.fetch(`/events?limit=1&readOnly=all&userName=${MARKER}`)).json()) as { nextToken: string };
  stolen.consoleNextToken = consolePage.nextToken;
  const report = (await (await victimBrowser.fetch("/reports", { method: "POST", json: { format: "csv", filter: { userName: MARKER } } })).json()) as {
    id: string;
  };
  stolen.reportId = report.id;
  // An event rule whose URL carries the secret, with a delivery log two pages long.
  const rule = await victimBrowser.fetch("/rules", { method: "POST", json: { name: "victim-rule", url: `http://127.0.0.1:9/${SECRET}` } });
  stolen.ruleName = ((await rule.json()) as { rule: { name: string } }).rule.name;
  for (let i = 0; i < 2; i++) await victimBrowser.fetch("/rules/victim-rule/test", { method: "POST" });
  stolen.deliveriesToken = ((await (await victimBrowser.fetch("/rules/victim-rule/deliveries?limit=1")).json()) as { nextToken: string }).nextToken;
  stolen.csrfToken = ((await (await victimBrowser.fetch("/me")).json()) as { csrfToken: string }).csrfToken;
  for (const value of Object.values(stolen)) expect(value).toBeTruthy();
}, 300_000);

afterAll(async () => {
  victimCt?.destroy();
  attackerCt?.destroy();
  await h?.close();
}, 30_000);

/** The error name of a refused SDK call, or "ok" with the answer's text. */
async function outcome(p: Promise<unknown>): Promise<{ name: string; text: string }> {
  try {
    return { name: "ok", text: JSON.stringify(await p) };
  } catch (e) {
    return { name: (e as Error).name, text: `${(e as Error).message}` };
  }
}

describe("the CloudTrail API with another account's names and ARNs", () => {
  const trailOps: [string, (ref: string) => Promise<unknown>][] = [
    ["GetTrail", (Name) => attackerCt.send(new GetTrailCommand({ Name }))],
    ["GetTrailStatus", (Name) => attackerCt.send(new GetTrailStatusCommand({ Name }))],
    ["GetEventSelectors", (TrailName) => attackerCt.send(new GetEventSelectorsCommand({ TrailName }))],
    ["StartLogging", (Name) => attackerCt.send(new StartLoggingCommand({ Name }))],
    ["StopLogging", (Name) => attackerCt.send(new StopLoggingCommand({ Name }))],
    ["UpdateTrail", (Name) => attackerCt.send(new UpdateTrailCommand({ Name, S3KeyPrefix: "hijacked" }))],
    [
      "PutEventSelectors",
      (TrailName) =>
        attackerCt.send(new PutEventSelectorsCommand({ TrailName, EventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }] })),
    ],
    ["DeleteTrail", (Name) => attackerCt.send(new DeleteTrailCommand({ Name }))],
  ];

  for (const [operation, run] of trailOps) {
    test(`${operation} by ARN and by name is TrailNotFoundException and leaks nothing`, async () => {
      for (const ref of [stolen.trailArn, "victim-trail"]) {
        const result = await outcome(run(ref));
        expect([operation, ref, result.name]).toEqual([operation, ref, "TrailNotFoundException"]);
        expect(result.text).not.toContain(SECRET);
      }
    });
  }

  test("DescribeTrails with the victim's ARN or name lists nothing", async () => {
    const answer = await attackerCt.send(new DescribeTrailsCommand({ trailNameList: [stolen.trailArn, "victim-trail"] }));
    expect(answer.trailList).toEqual([]);
  });

  test("LookupEvents by the victim's event ids, user, resource or access key finds nothing; the victim's page token is refused", async () => {
    const attributes = [
      ...stolen.eventIds.map((id) => ({ AttributeKey: "EventId" as const, AttributeValue: id })),
      { AttributeKey: "Username" as const, AttributeValue: MARKER },
      { AttributeKey: "ResourceName" as const, AttributeValue: `i-${MARKER}` },
      { AttributeKey: "AccessKeyId" as const, AttributeValue: stolen.accessKeyId },
    ];
    for (const attribute of attributes) {
      const answer = await attackerCt.send(new LookupEventsCommand({ LookupAttributes: [attribute] }));
      expect([attribute.AttributeKey, answer.Events]).toEqual([attribute.AttributeKey, []]);
    }
    const token = await outcome(
      attackerCt.send(
        new LookupEventsCommand({ MaxResults: 1, NextToken: stolen.apiNextToken, LookupAttributes: [{ AttributeKey: "Username", AttributeValue: MARKER }] }),
      ),
    );
    expect(token.name).toBe("InvalidNextTokenException");
    expect(token.text).not.toContain(SECRET);
  });

  test("CreateTrail into the victim's bucket is refused", async () => {
    const result = await outcome(attackerCt.send(new CreateTrailCommand({ Name: "exfiltrate", S3BucketName: "victim-private-bucket" })));
    expect(result.name).toBe("InsufficientS3BucketPolicyException");
  });
});

describe("the console API with another account's ids, names, tokens and CSRF token", () => {
  test("every read with the victim's ids, names and tokens is refused or empty, and leaks nothing", async () => {
    const reads: [string, number][] = [
      ...stolen.eventIds.map((id): [string, number] => [`/events/${encodeURIComponent(id)}`, 404]),
      [`/events?readOnly=all&userName=${MARKER}`, 200],
      [`/events?readOnly=all&search=${MARKER}`, 200],
      [`/events?readOnly=all&resourceName=i-${MARKER}`, 200],
      [`/histogram?readOnly=all&userName=${MARKER}`, 200],
      [`/events?readOnly=all&limit=1&userName=${MARKER}&nextToken=${encodeURIComponent(stolen.consoleNextToken)}`, 400],
      [`/reports/${stolen.reportId}/download`, 404],
      ["/trails", 200],
      ["/reports", 200],
      ["/rules", 200],
      [`/rules/${stolen.ruleName}`, 404],
      [`/rules/${stolen.ruleName}/deliveries`, 404],
      [`/rules/attacker-own-rule/deliveries?nextToken=${encodeURIComponent(stolen.deliveriesToken)}`, 400],
    ];
    expect((await attackerBrowser.fetch("/rules", { method: "POST", json: { name: "attacker-own-rule", url: "http://127.0.0.1:9/x" } })).status).toBe(201);
    for (const [path, status] of reads) {
      const res = await attackerBrowser.fetch(path);
      const text = await res.text();
      expect([path, res.status]).toEqual([path, status]);
      expect(text).not.toContain(SECRET);
      // The attacker's own recorded searches may echo what they typed; no victim record may appear.
      if (status === 200 && path.startsWith("/events")) {
        const events = (JSON.parse(text) as { events: { eventID: string; userName: string | null }[] }).events;
        expect(events.filter((e) => e.userName === MARKER || stolen.eventIds.includes(e.eventID))).toEqual([]);
      }
      if (path.startsWith("/histogram")) {
        const buckets = (JSON.parse(text) as { buckets: { readOnly: number; write: number }[] }).buckets;
        expect(buckets.reduce((n, b) => n + b.readOnly + b.write, 0)).toBe(0);
      }
      if (path === "/trails" || path === "/reports" || path === "/rules") {
        expect(text).not.toContain("victim-trail");
        expect(text).not.toContain(stolen.reportId);
        expect(text).not.toContain("victim-rule");
      }
    }
  });

  test("every change aimed at the victim's trail or report is refused", async () => {
    const changes: [string, string, unknown, number][] = [
      ["PATCH", "/trails/victim-trail", { prefix: "hijacked" }, 400],
      ["POST", "/trails/victim-trail/stop", undefined, 400],
      ["POST", "/trails/victim-trail/start", undefined, 400],
      ["DELETE", "/trails/victim-trail", undefined, 400],
      ["DELETE", `/reports/${stolen.reportId}`, undefined, 404],
      ["POST", "/trails", { name: "exfiltrate", bucket: "victim-private-bucket" }, 403],
      ["PATCH", "/rules/victim-rule", { url: "http://127.0.0.1:9/attacker" }, 404],
      ["POST", "/rules/victim-rule/secret", undefined, 404],
      ["POST", "/rules/victim-rule/test", undefined, 404],
      ["DELETE", "/rules/victim-rule", undefined, 404],
    ];
    for (const [method, path, json, status] of changes) {
      const res = await attackerBrowser.fetch(path, { method, json });
      const body = (await res.json()) as { error: string };
      expect([method, path, res.status]).toEqual([method, path, status]);
      expect(JSON.stringify(body)).not.toContain(SECRET);
    }
  });

  test("the victim's CSRF token does not pass for the attacker's session", async () => {
    const res = await attackerBrowser.fetch("/reports", { method: "POST", json: { format: "csv" }, headers: { "x-csrf-token": stolen.csrfToken } });
    expect(res.status).toBe(403);
  });

  test("after all of it, the victim's trail, report and events are as they were", async () => {
    const trail = await victimCt.send(new GetTrailCommand({ Name: "victim-trail" }));
    expect(trail.Trail).toMatchObject({ S3BucketName: "victim-private-bucket", S3KeyPrefix: SECRET });
    expect((await victimCt.send(new GetTrailStatusCommand({ Name: "victim-trail" }))).IsLogging).toBe(true);
    expect((await victimCt.send(new GetEventSelectorsCommand({ TrailName: "victim-trail" }))).EventSelectors?.[0]?.ReadWriteType).toBe("All");
    const reports = (await (await victimBrowser.fetch("/reports")).json()) as { reports: { id: string }[] };
    expect(reports.reports.map((r) => r.id)).toContain(stolen.reportId);
    for (const id of stolen.eventIds) expect((await victimBrowser.fetch(`/events/${encodeURIComponent(id)}`)).status).toBe(200);
    const rule = (await (await victimBrowser.fetch("/rules/victim-rule")).json()) as { rule: { url: string } };
    expect(rule.rule.url).toBe(`http://127.0.0.1:9/${SECRET}`);
    const log = (await (await victimBrowser.fetch("/rules/victim-rule/deliveries")).json()) as { deliveries: unknown[] };
    expect(log.deliveries).toHaveLength(2);
  });
});
