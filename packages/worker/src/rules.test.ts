import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { formatWebhookSecret, type RuleFilter, WEBHOOK_RETRY_WINDOW_MS, webhookSecretHint } from "@activity-log/core";
import { connectPostgres, ensurePartitions, findRule, insertRule, listRuleDeliveries, nativeQuery, setSubscription } from "@activity-log/api/db";
import {
  consoleBrowser,
  createTestDeps,
  ensureAccount,
  ingest,
  operatorRequest,
  startTestServer,
  T0,
  type TestDeps,
  testEvent,
} from "@activity-log/api/test-kit";
import { DELIVERY_LEASE_MS, runRules } from "./rules.ts";

const onPostgres = Boolean(process.env.DATABASE_URL);

type Received = { id: string; timestamp: string; signature: string; body: string; path: string };

/** A webhook receiver on loopback: records every request; `answer` decides the response per path. */
function startReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, (req: Request) => Response | Promise<Response>>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const body = await req.text();
      received.push({
        id: req.headers.get("webhook-id") ?? "",
        timestamp: req.headers.get("webhook-timestamp") ?? "",
        signature: req.headers.get("webhook-signature") ?? "",
        body,
        path,
      });
      const answer = answers.get(path);
      return answer ? answer(req) : new Response("ok");
    },
  });
  return {
    url: (path: string) => `http://127.0.0.1:${server.port}${path}`,
    received,
    on: (path: string, answer: (req: Request) => Response | Promise<Response>) => answers.set(path, answer),
    at: (path: string) => received.filter((r) => r.path === path),
    stop: () => server.stop(true),
  };
}

let deps: TestDeps;
let receiver: ReturnType<typeof startReceiver>;
let accounts = 0;

beforeAll(async () => {
  deps = await createTestDeps();
  receiver = startReceiver();
});
// The tests share one database and run in any order (CI shuffles): each starts with every earlier
// test's rules disabled and deliveries settled, so the runs' counts are its own.
beforeEach(async () => {
  await nativeQuery(deps.database, `update rules set enabled = false`);
  await nativeQuery(
    deps.database,
    `update rule_deliveries set status = 'failed', next_attempt_at = null, lease_until = null where status in ('pending', 'retrying')`,
  );
});
afterAll(async () => {
  receiver.stop();
  await deps.cleanup();
});

const SECRET = formatWebhookSecret(Uint8Array.from({ length: 32 }, (_, i) => 255 - i));

async function account(): Promise<string> {
  return ensureAccount(deps, `rules-acct-${++accounts}`);
}

async function rule(accountId: string, name: string, path: string, filter: RuleFilter = {}, t = deps.database) {
  return insertRule(
    t.db,
    {
      accountId,
      name,
      filter,
      url: receiver.url(path),
      secretSealed: deps.secrets.encrypt(SECRET),
      secretHint: webhookSecretHint(SECRET),
      enabled: true,
      now: T0,
    },
    10,
  );
}

const at = (ms: number) => new Date(T0.getTime() + ms);

function verify(r: Received, secret = SECRET): boolean {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = `v1,${createHmac("sha256", key).update(`${r.id}.${r.timestamp}.${r.body}`).digest("base64")}`;
  return r.signature === expected;
}

async function deliveriesOf(accountId: string, name: string) {
  const r = await findRule(deps.database.db, accountId, name);
  return listRuleDeliveries(deps.database.db, accountId, r!.id, 1000);
}

describe("matching and delivery", () => {
  test("each matching event is POSTed once per rule, signed, with the CloudTrail record; others are not", async () => {
    const acct = await account();
    await rule(acct, "terminations", "/a", { eventName: "TerminateInstances", project: "default" });
    await rule(acct, "everything", "/b");
    const hit = testEvent(acct, T0, { eventName: "TerminateInstances" });
    const miss = testEvent(acct, T0, { eventName: "RunInstances" });
    await ingest(deps.database, [hit, miss]);
    const summary = await runRules(deps, T0);
    expect(summary.matching.matched).toBe(3);
    expect(summary.delivered).toBe(3);
    const a = receiver.at("/a");
    expect(a.map((r) => r.id)).toEqual([hit.eventId]);
    expect(
      receiver
        .at("/b")
        .map((r) => r.id)
        .sort(),
    ).toEqual([hit.eventId, miss.eventId].sort());
    const body = JSON.parse(a[0]!.body);
    expect(body).toMatchObject({
      rule: "terminations",
      test: false,
      event: { eventID: hit.eventId, eventName: "TerminateInstances", recipientAccountId: acct },
    });
    expect(a[0]!.timestamp).toBe(String(T0.getTime() / 1000));
    expect(verify(a[0]!)).toBe(true);
    expect(verify(a[0]!, formatWebhookSecret(new Uint8Array(32)))).toBe(false);
    // Nothing new: nothing sent again.
    const again = await runRules(deps, at(1000));
    expect(again.matching.matched + again.attempted).toBe(0);
    const log = await deliveriesOf(acct, "terminations");
    expect(log.map((d) => [d.eventId, d.status, d.attempts, d.responseCode])).toEqual([[hit.eventId, "delivered", 1, 200]]);
  });

  test("a rule sees only events committed after it was created; other accounts' events never", async () => {
    const acct = await account();
    const other = await account();
    const before = testEvent(acct, T0);
    await ingest(deps.database, [before]);
    await rule(acct, "fresh", "/fresh");
    const after = testEvent(acct, T0);
    await ingest(deps.database, [after, testEvent(other, T0)]);
    await runRules(deps, T0);
    expect(receiver.at("/fresh").map((r) => r.id)).toEqual([after.eventId]);
  });

  // Needs a second session holding a transaction open: a Postgres server.
  test.skipIf(!onPostgres)("a late commit (a transaction that started before others but committed after) is matched exactly once", async () => {
    const acct = await account();
    await rule(acct, "late", "/late");
    const pg = connectPostgres(deps.database.url!, 2);
    try {
      const late = testEvent(acct, at(-3600_000), { eventName: "StopLogging" });
      const early = testEvent(acct, T0);
      await ensurePartitions(deps.database, late.eventTime, T0);
      const reserved = await pg.pg!.reserve();
      // Take an xid first, insert, and keep the transaction open while others commit and get matched.
      await reserved`begin`;
      await reserved`select pg_current_xact_id()`;
      await reserved.unsafe(
        `insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name, search_text)
         values ($1, 'default', $2, $3, 'StopLogging', 'AwsApiCall', 'cloudtrail.amazonaws.com', false, 'alice', 'StopLogging')`,
        [acct, late.eventTime.toISOString(), late.eventId],
      );
      await ingest(deps.database, [early]);
      // The open transaction holds the horizon back: neither event is matched yet (the early one is not lost, only waiting).
      await runRules(deps, T0);
      expect(receiver.at("/late")).toHaveLength(0);
      await reserved`commit`;
      reserved.release();
      await runRules(deps, at(1000));
      await runRules(deps, at(2000));
      expect(
        receiver
          .at("/late")
          .map((r) => r.id)
          .sort(),
      ).toEqual([early.eventId, late.eventId].sort());
      const log = await deliveriesOf(acct, "late");
      expect(log.map((d) => d.eventId).sort()).toEqual([early.eventId, late.eventId].sort());
    } finally {
      await pg.close();
    }
  });

  test("two workers side by side: every (rule, event) delivered exactly once", async () => {
    const acct = await account();
    for (let i = 0; i < 3; i++) await rule(acct, `pair-${i}`, `/pair-${i}`);
    const events = Array.from({ length: 40 }, (_, i) => testEvent(acct, at(i)));
    const second = onPostgres ? { ...deps, database: connectPostgres(deps.database.url!, 4) } : deps;
    try {
      const runs: Promise<unknown>[] = [];
      for (let i = 0; i < 4; i++) {
        await ingest(deps.database, events.slice(i * 10, i * 10 + 10));
        runs.push(runRules(deps, T0), runRules(second, T0));
      }
      await Promise.all(runs);
      await Promise.all([runRules(deps, T0), runRules(second, T0)]);
    } finally {
      if (second !== deps) await second.database.close();
    }
    for (let i = 0; i < 3; i++) {
      const got = receiver.at(`/pair-${i}`).map((r) => r.id);
      expect(got.length).toBe(40);
      expect(new Set(got).size).toBe(40);
      const log = await deliveriesOf(acct, `pair-${i}`);
      expect(log.length).toBe(40);
      expect(log.every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
    }
  });

  test("a worker dying after the POST and before recording: the delivery is sent again with the same webhook-id, and recorded once", async () => {
    const acct = await account();
    await rule(acct, "crashy", "/crashy");
    const e = testEvent(acct, T0);
    await ingest(deps.database, [e]);
    await expect(
      runRules(deps, T0, {
        afterPost: () => {
          throw new Error("worker killed");
        },
      }),
    ).rejects.toThrow("worker killed");
    // The lease holds the delivery for its claimant… (counted at the receiver: other tests' retries
    // share this database and may come due in the same runs, in a shuffled order)
    await runRules(deps, at(DELIVERY_LEASE_MS - 1000));
    expect(receiver.at("/crashy")).toHaveLength(1);
    // …and then another worker takes it over.
    await runRules(deps, at(DELIVERY_LEASE_MS));
    expect(receiver.at("/crashy").map((r) => r.id)).toEqual([e.eventId, e.eventId]);
    const [d] = await deliveriesOf(acct, "crashy");
    expect([d!.status, d!.attempts]).toEqual(["delivered", 2]);
  });

  test.skipIf(!onPostgres)("a worker process killed with SIGKILL mid-request: another worker re-sends it once", async () => {
    const acct = await account();
    await rule(acct, "killed", "/killed");
    const e = testEvent(acct, T0);
    await ingest(deps.database, [e]);
    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let hang = true;
    receiver.on("/killed", async () => {
      if (hang) {
        hang = false;
        arrived();
        await Bun.sleep(3000);
      }
      return new Response("thanks");
    });
    const child = Bun.spawn(["bun", new URL("./rules-crash.fixture.ts", import.meta.url).pathname, deps.database.url!, deps.dataDir, T0.toISOString()], {
      stdout: "pipe",
      stderr: "pipe",
    });
    await requested;
    child.kill("SIGKILL");
    await child.exited;
    await runRules(deps, at(DELIVERY_LEASE_MS));
    expect(receiver.at("/killed").map((r) => r.id)).toEqual([e.eventId, e.eventId]);
    const [d] = await deliveriesOf(acct, "killed");
    expect([d!.status, d!.attempts]).toEqual(["delivered", 2]);
    // Nothing more to do for anyone.
    expect((await runRules(deps, at(DELIVERY_LEASE_MS * 3))).attempted).toBe(0);
  });
});

describe("failures, retries and the 24-hour disable", () => {
  test("non-2xx and timeouts are retried on the schedule; a success resets the streak", async () => {
    const acct = await account();
    await rule(acct, "flaky", "/flaky");
    let status = 503;
    receiver.on("/flaky", () => new Response(`down ${"x".repeat(400)}`, { status }));
    const e = testEvent(acct, T0);
    await ingest(deps.database, [e]);
    expect((await runRules(deps, T0)).retrying).toBe(1);
    let [d] = await deliveriesOf(acct, "flaky");
    expect(d!.status).toBe("retrying");
    expect(d!.responseCode).toBe(503);
    expect(d!.error!.startsWith("HTTP 503: down xxx")).toBe(true);
    expect([...d!.error!].length).toBeLessThanOrEqual(200);
    expect(d!.nextAttemptAt).toEqual(at(5000));
    // Not due yet.
    expect((await runRules(deps, at(4000))).attempted).toBe(0);
    expect((await runRules(deps, at(5000))).retrying).toBe(1);
    [d] = await deliveriesOf(acct, "flaky");
    expect(d!.nextAttemptAt).toEqual(at(35_000));
    status = 204;
    expect((await runRules(deps, at(35_000))).delivered).toBe(1);
    [d] = await deliveriesOf(acct, "flaky");
    expect([d!.status, d!.attempts, d!.responseCode]).toEqual(["delivered", 3, 204]);
    const r = await findRule(deps.database.db, acct, "flaky");
    expect(r!.failingSince).toBeNull();
    expect(r!.lastDeliveryStatus).toBe("delivered");
    expect(r!.lastErrorMessage).toContain("HTTP 503");
    expect(receiver.at("/flaky").map((x) => x.id)).toEqual([e.eventId, e.eventId, e.eventId]);
  });

  test("a slow receiver times out", async () => {
    const acct = await account();
    await rule(acct, "slow", "/slow");
    receiver.on("/slow", async () => {
      await Bun.sleep(1500);
      return new Response("late");
    });
    await ingest(deps.database, [testEvent(acct, T0)]);
    await runRules(deps, T0, { post: { timeoutMs: 300 } });
    const [d] = await deliveriesOf(acct, "slow");
    expect(d!.status).toBe("retrying");
    expect(d!.error).toBe("No answer within 0.3 s.");
  });

  test("a slow receiver holds up one sending lane only", async () => {
    const acct = await account();
    await rule(acct, "tarpit", "/tarpit");
    await rule(acct, "brisk", "/brisk");
    let tarpitAnsweredAt = 0;
    receiver.on("/tarpit", async () => {
      await Bun.sleep(1000);
      tarpitAnsweredAt = performance.now();
      return new Response("ok");
    });
    let briskArrivedAt = 0;
    receiver.on("/brisk", () => {
      briskArrivedAt = performance.now();
      return new Response("ok");
    });
    await ingest(deps.database, [testEvent(acct, T0)]);
    const run = await runRules(deps, T0, { concurrency: 2 });
    expect(run.delivered).toBe(2);
    expect(briskArrivedAt).toBeGreaterThan(0);
    expect(briskArrivedAt).toBeLessThan(tarpitAnsweredAt);
  });

  test("after 24 h of failure the delivery fails and the rule is disabled with the reason", async () => {
    const acct = await account();
    await rule(acct, "broken", "/broken");
    receiver.on("/broken", () => new Response("nope", { status: 500 }));
    await ingest(deps.database, [testEvent(acct, T0)]);
    let now = T0;
    for (let i = 0; i < 40; i++) {
      await runRules(deps, now);
      const [d] = await deliveriesOf(acct, "broken");
      if (d!.status !== "retrying") break;
      now = d!.nextAttemptAt!;
    }
    const [d] = await deliveriesOf(acct, "broken");
    expect(d!.status).toBe("failed");
    expect(d!.lastAttemptAt).toEqual(at(WEBHOOK_RETRY_WINDOW_MS));
    expect(d!.attempts).toBeGreaterThan(10);
    const r = await findRule(deps.database.db, acct, "broken");
    expect(r!.enabled).toBe(false);
    expect(r!.disabledReason).toBe("Disabled after 24 hours of failed deliveries; last error: HTTP 500: nope");
    // The service's change is an event of the account, like a user's.
    const [recorded] = await nativeQuery<{ user_name: string; event_type: string; request_parameters: unknown; additional_event_data: { reason: string } }>(
      deps.database,
      `select user_name, event_type, request_parameters, additional_event_data from events where account_id = $1 and event_name = 'UpdateRule'`,
      [acct],
    );
    expect(recorded).toMatchObject({ user_name: "system", event_type: "AwsServiceEvent", request_parameters: { name: "broken", enabled: false } });
    expect(recorded!.additional_event_data.reason).toBe(r!.disabledReason!);
    // A disabled rule matches nothing new.
    await ingest(deps.database, [testEvent(acct, T0)]);
    expect((await runRules(deps, at(WEBHOOK_RETRY_WINDOW_MS + 1000))).matching.matched).toBe(0);
    expect(await deliveriesOf(acct, "broken")).toHaveLength(1);
  });
});

describe("SSRF: where webhooks may not go", () => {
  let strict: TestDeps;
  beforeAll(async () => {
    // The same database, with no host allowed.
    strict = await createTestDeps({ database: deps.database, env: { RULES_ALLOWED_HOSTS: "" } });
  });
  afterAll(async () => {
    await strict.cleanup();
  });

  async function attempt(url: string, resolve?: (host: string) => Promise<string[]>) {
    const acct = await account();
    const r = await rule(acct, "target", "/unused");
    await nativeQuery(deps.database, `update rules set url = $1 where id = $2`, [url, r.id]);
    await ingest(deps.database, [testEvent(acct, T0)]);
    await runRules(strict, T0, resolve ? { post: { resolve } } : {});
    const [d] = await deliveriesOf(acct, "target");
    return d!;
  }

  test.each([
    ["http to a host not allowed", "http://127.0.0.1:1/x", undefined, "plain http is allowed only"],
    ["loopback when not allowed", "https://127.0.0.1:1/x", undefined, "loopback"],
    ["the metadata service", "https://169.254.169.254/latest/meta-data/", undefined, "link-local"],
    ["a private address", "https://10.0.0.7/hook", undefined, "private"],
    ["a name resolving to a private address", "https://hooks.example.com/x", async () => ["93.184.216.34", "192.168.1.10"], "private"],
    ["a name resolving to loopback (IPv6)", "https://hooks.example.com/x", async () => ["::1"], "loopback"],
    ["a name resolving to unique-local", "https://hooks.example.com/x", async () => ["fd00:ec2::254"], "uniqueLocal"],
  ])("refuses %s", async (_what, url, resolve, message) => {
    const before = receiver.received.length;
    const d = await attempt(url, resolve);
    expect(d.status).toBe("retrying");
    expect(d.error).toStartWith("Refused:");
    expect(d.error).toContain(message);
    expect(d.responseCode).toBeNull();
    expect(receiver.received.length).toBe(before);
  });

  test("redirects are not followed", async () => {
    const acct = await account();
    await rule(acct, "redirected", "/redirect");
    receiver.on("/redirect", () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }));
    await ingest(deps.database, [testEvent(acct, T0)]);
    await runRules(deps, T0);
    const [d] = await deliveriesOf(acct, "redirected");
    expect([d!.status, d!.responseCode]).toEqual(["retrying", 302]);
    expect(d!.error).toBe("HTTP 302: redirects are not followed (to http://169.254.169.254/latest/meta-data/).");
    expect(receiver.at("/latest/meta-data/")).toHaveLength(0);
  });
});

describe("subscription and disabled rules", () => {
  test("an inactive subscription pauses delivery: events meanwhile are skipped for good, the gap is kept", async () => {
    const acct = await account();
    await rule(acct, "paused", "/paused");
    await setSubscription(deps.database.db, acct, false);
    await ingest(deps.database, [testEvent(acct, T0)]);
    const run = await runRules(deps, at(1000));
    expect(run.matching.paused).toBe(1);
    expect((await findRule(deps.database.db, acct, "paused"))!.pausedSince).toEqual(at(1000));
    await setSubscription(deps.database.db, acct, true);
    const after = testEvent(acct, T0);
    await ingest(deps.database, [after]);
    await runRules(deps, at(60_000));
    expect(receiver.at("/paused").map((r) => r.id)).toEqual([after.eventId]);
    const r = await findRule(deps.database.db, acct, "paused");
    expect([r!.pausedSince, r!.lastPauseFrom, r!.lastPauseTo]).toEqual([null, at(1000), at(60_000)]);
  });

  test("pending deliveries of a rule disabled meanwhile, or of a paused account, are not sent", async () => {
    const acct = await account();
    await rule(acct, "off", "/off");
    await ingest(deps.database, [testEvent(acct, T0)]);
    await runRules(deps, T0, { send: false });
    await nativeQuery(deps.database, `update rules set enabled = false where account_id = $1`, [acct]);
    expect((await runRules(deps, T0)).abandoned).toBe(1);
    const [d] = await deliveriesOf(acct, "off");
    expect([d!.status, d!.error, d!.attempts]).toEqual(["failed", "Not delivered: the rule is disabled.", 0]);
    expect(receiver.at("/off")).toHaveLength(0);
  });
});

describe("from the console to the receiver", () => {
  test("a rule created in the console: its test event and a matching event arrive signed with the secret shown once; a rotated secret signs the next", async () => {
    const server = await startTestServer({ storage: "local" });
    try {
      await ensureAccount(server.deps, "console-rules");
      expect((await operatorRequest(server, "POST", "/accounts/console-rules/users", { user: "sec", password: "sec-password-123" })).status).toBe(201);
      expect((await operatorRequest(server, "PUT", "/accounts/console-rules/projects/default/administrators/sec")).status).toBe(200);
      const b = consoleBrowser(server);
      expect((await b.signIn("console-rules", "sec", "sec-password-123")).status).toBe(200);
      const created = await b.fetch("/rules", {
        method: "POST",
        json: { name: "tampering", filter: { eventNames: ["StopLogging", "DeleteTrail"] }, url: receiver.url("/console") },
      });
      expect(created.status).toBe(201);
      const { secret } = (await created.json()) as { secret: string };
      expect((await b.fetch("/rules/tampering/test", { method: "POST" })).status).toBe(202);
      await runRules(server.deps, new Date());
      const [testCall] = receiver.at("/console");
      expect(JSON.parse(testCall!.body)).toMatchObject({ rule: "tampering", test: true, event: { eventName: "ActivityLogRuleTest" } });
      expect(verify(testCall!, secret)).toBe(true);
      const log = (await (await b.fetch("/rules/tampering/deliveries")).json()) as { deliveries: { test: boolean; status: string; responseCode: number }[] };
      expect(log.deliveries).toMatchObject([{ test: true, status: "delivered", responseCode: 200 }]);
      const listed = (await (await b.fetch("/rules")).json()) as { rules: { lastDelivery: { status: string } | null }[] };
      expect(listed.rules[0]!.lastDelivery?.status).toBe("delivered");

      const rotated = (await (await b.fetch("/rules/tampering/secret", { method: "POST" })).json()) as { secret: string };
      const stop = testEvent(await ensureAccount(server.deps, "console-rules"), new Date(), { eventName: "StopLogging" });
      await ingest(server.deps.database, [stop]);
      await runRules(server.deps, new Date());
      const real = receiver.at("/console").find((r) => r.id === stop.eventId)!;
      expect(verify(real, rotated.secret)).toBe(true);
      expect(verify(real, secret)).toBe(false);
    } finally {
      await server.close();
    }
  });
});
