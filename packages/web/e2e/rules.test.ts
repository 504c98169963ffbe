/**
 * Rules in a real browser (issue 17): a rule made from the Events view's filters, its secret shown
 * once, a test event and a real matching event sent to a receiver on loopback and seen in the delivery
 * log; templates, server refusals, enable/disable, edit, rotate, delete, the quota; 390 px and the
 * keyboard. The server runs with RULES_ALLOWED_HOSTS=127.0.0.1 (loopback webhooks over http).
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { formatTime } from "../src/lib/format.ts";
import { type Console, SHOTS, sidewaysOverflow, signIn, startConsole } from "./harness.ts";

setDefaultTimeout(90_000);
const PASSWORD = "e2e-password-123";
const HOUR = 3_600_000;

type Received = {
  headers: Record<string, string>;
  body: string;
  json: { rule: string; test: boolean; event: { eventID: string; eventName: string; userIdentity?: { userName?: string } } };
};
const received: Received[] = [];
let receiver: ReturnType<typeof Bun.serve>;
let hookUrl = "";
let c: Console;

const now = Date.now();
function event(eventName: string, userName: string, msAgo: number) {
  return {
    eventName,
    userName,
    eventTime: new Date(now - msAgo).toISOString(),
    eventSource: "ec2.amazonaws.com",
    recipientAccountId: "acme",
    project: "production",
    sourceIPAddress: "10.0.0.7",
  };
}

beforeAll(async () => {
  receiver = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      received.push({ headers: Object.fromEntries(req.headers), body, json: JSON.parse(body) });
      return new Response("thanks");
    },
  });
  hookUrl = `http://127.0.0.1:${receiver.port}/hook`;
  c = await startConsole({ RULES_ALLOWED_HOSTS: "127.0.0.1" });
  await c.operator("POST", "/accounts", { account: "acme" });
  await c.operator("POST", "/accounts/acme/projects", { project: "production" });
  await c.operator("POST", "/accounts/acme/users", { user: "auditor", password: PASSWORD });
  await c.operator("PUT", "/accounts/acme/projects/production/administrators/auditor");
  await c.ingest([event("StopInstances", "alice", 2 * HOUR), event("StopInstances", "bob", 3 * HOUR), event("StartInstances", "alice", HOUR)]);
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await c?.stop();
  receiver?.stop(true);
});

afterEach(() => {
  expect(c.takeProblems()).toEqual([]);
});

async function auditorPage(viewport?: { width: number; height: number }): Promise<Page> {
  const page = await c.newPage(viewport, { permissions: ["clipboard-read", "clipboard-write"] });
  await signIn(page, c.base, "acme", "auditor", PASSWORD);
  await page.waitForURL(/\/events/);
  return page;
}

async function onPage(open: () => Promise<Page>, steps: (page: Page) => Promise<void>): Promise<void> {
  const page = await open();
  try {
    await steps(page);
  } finally {
    await page.close();
  }
}

/** Standard Webhooks: v1,<base64 HMAC-SHA256(secret bytes, "id.timestamp.body")>. */
function signatureOk(r: Received, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${r.headers["webhook-id"]}.${r.headers["webhook-timestamp"]}.${r.body}`).digest("base64");
  return (r.headers["webhook-signature"] ?? "").split(" ").includes(`v1,${expected}`);
}

/** Clicks Refresh until `selector` shows (deliveries arrive within seconds, not at once). */
async function refreshUntil(page: Page, selector: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.locator(selector).count())) {
    if (Date.now() > deadline) throw new Error(`${selector} did not show within ${timeoutMs} ms`);
    await page.getByRole("button", { name: "Refresh" }).click();
    await Bun.sleep(1000);
  }
}

let firstSecret = "";

describe("rules", () => {
  test("a rule from the Events filters: secret once, a test event and a matching event delivered and in the log", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${c.base}/events?range=7d&eventName=StopInstances&userName=alice`);
      await page.waitForFunction(() => document.querySelectorAll(".events-table .rows .row").length === 1);
      await page.getByRole("link", { name: "Create rule with these filters" }).click();
      await page.waitForURL(/\/rules\?create=1/);
      const form = page.getByTestId("rule-form");
      expect(await form.getByLabel("Actions").inputValue()).toBe("StopInstances");
      expect(await form.getByLabel("User", { exact: true }).inputValue()).toBe("alice");
      expect(await form.locator('select[name="readOnly"]').inputValue()).toBe("false");
      await form.getByLabel("Rule name").fill("alice-stops");
      await form.getByLabel("Webhook URL").fill(hookUrl);
      await form.getByRole("button", { name: "Create rule" }).click();

      const notice = page.getByTestId("rule-secret");
      await notice.waitFor();
      expect(await notice.textContent()).toContain("you will not see it again");
      firstSecret = await page.getByTestId("rule-secret-value").inputValue();
      expect(firstSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
      await notice.getByRole("button", { name: "Copy secret" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(firstSecret);
      // The form closes (and the prefill leaves the URL) once the list is read again, just after the secret shows.
      await page.waitForURL((u) => !u.searchParams.has("create"));
      const row = page.locator('tr[data-rule="alice-stops"]');
      await row.waitFor();
      expect(await row.getByTestId("rule-status").textContent()).toBe("Enabled");
      expect(await row.textContent()).toContain("Action: StopInstances");
      expect(await row.textContent()).toContain("User: alice");
      expect(await page.getByTestId("rule-quota").textContent()).toContain("1 of 10 rules");
      await notice.getByRole("button", { name: "I have stored it" }).click();
      await notice.waitFor({ state: "detached" });
      // Once dismissed, the console has no way to show it again.
      expect(await page.content()).not.toContain(firstSecret);

      await row.getByRole("button", { name: "Send a test event to alice-stops" }).click();
      await page.getByTestId("rule-notice").getByRole("link", { name: "Open its delivery log" }).click();
      await page.waitForURL(/\/rules\/alice-stops$/);
      await refreshUntil(page, 'tr[data-status="delivered"]');
      const testRow = page.locator('tr[data-status="delivered"]').first();
      expect(await testRow.textContent()).toContain("test");
      expect(await testRow.getByTestId("delivery-attempts").textContent()).toBe("1");
      expect(await testRow.getByTestId("delivery-response").textContent()).toBe("200");
      const test = received.find((r) => r.json.rule === "alice-stops" && r.json.test);
      expect(test).toBeDefined();
      expect(signatureOk(test!, firstSecret)).toBe(true);

      // A real event: only alice's stop matches (bob's is another user), delivered once, linked to Events.
      await c.ingest([event("StopInstances", "bob", 0), event("StopInstances", "alice", 0)]);
      await refreshUntil(page, 'tr[data-status="delivered"] a[data-testid="delivery-event"]');
      const real = received.filter((r) => r.json.rule === "alice-stops" && !r.json.test);
      expect(real.map((r) => r.json.event.eventName)).toEqual(["StopInstances"]);
      expect(real[0]!.json.event.userIdentity?.userName).toBe("alice");
      expect(real[0]!.headers["webhook-id"]).toBe(real[0]!.json.event.eventID);
      expect(signatureOk(real[0]!, firstSecret)).toBe(true);
      await page.screenshot({ path: join(SHOTS, "rule-deliveries.png") });
      await page.locator('tr[data-status="delivered"] a[data-testid="delivery-event"]').first().click();
      await page.waitForURL(/\/events\?event=/);
      expect(new URL(page.url()).searchParams.get("event")).toBe(real[0]!.json.event.eventID);
      await page.getByTestId("raw-record").waitFor();
      expect(await page.getByTestId("raw-record").textContent()).toContain('"alice"');

      await page.goto(`${c.base}/rules`);
      await page.locator('tr[data-rule="alice-stops"] [data-testid="rule-last-delivery"]').getByText("Delivered").waitFor();
      await page.screenshot({ path: join(SHOTS, "rules.png") });
    }));

  test("a template that needs a project; server refusals verbatim; disable, edit, rotate with confirm, delete with confirm", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${c.base}/rules`);
      await page.getByRole("button", { name: "Create rule" }).click();
      const form = page.getByTestId("rule-form");
      await form.getByRole("radio", { name: /Instances terminated in a project/ }).check();
      expect(await form.getByLabel("Rule name").inputValue()).toBe("terminated-instances");
      expect(await form.getByLabel("Actions").inputValue()).toBe("TerminateInstances");
      await form.getByLabel("Webhook URL").fill(hookUrl);
      await form.getByRole("button", { name: "Create rule" }).click();
      expect(await form.getByRole("alert").textContent()).toContain("Choose the project this rule watches.");
      await form.getByLabel("Project to watch").selectOption("production");
      expect(await form.getByLabel("Project", { exact: true }).inputValue()).toBe("production");

      // What only the server knows, in its own words.
      await form.getByLabel("Rule name").fill("alice-stops");
      await form.getByRole("button", { name: "Create rule" }).click();
      expect(await page.getByTestId("rule-error").textContent()).toContain("RuleAlreadyExistsException");
      await form.getByLabel("Rule name").fill("terminated-instances");
      await form.getByLabel("Webhook URL").fill("http://10.1.2.3/hook");
      await form.getByRole("button", { name: "Create rule" }).click();
      expect(await page.getByTestId("rule-error").textContent()).toContain("InvalidWebhookUrlException: ");
      await form.getByLabel("Webhook URL").fill(hookUrl);
      await form.getByRole("button", { name: "Create rule" }).click();
      await page.getByTestId("rule-secret").waitFor();
      await page.getByRole("button", { name: "I have stored it" }).click();

      const row = page.locator('tr[data-rule="terminated-instances"]');
      expect(await row.textContent()).toContain("Action: TerminateInstances");
      expect(await row.textContent()).toContain("Project: production");
      expect(await page.getByTestId("rule-quota").textContent()).toContain("2 of 10 rules");

      await row.getByRole("button", { name: "Disable terminated-instances" }).click();
      await row.getByTestId("rule-status").getByText("Disabled").waitFor();
      await row.getByRole("button", { name: "Enable terminated-instances" }).click();
      await row.getByTestId("rule-status").getByText("Enabled").waitFor();

      await row.getByRole("button", { name: "Edit terminated-instances" }).click();
      expect(await form.getByLabel("Rule name").isDisabled()).toBe(true);
      await form.getByLabel("Actions").fill("TerminateInstances, StopInstances");
      await form.getByLabel("Webhook URL").fill(`${hookUrl}?v=2`);
      await form.getByRole("button", { name: "Save changes" }).click();
      await form.waitFor({ state: "detached" });
      // The form closes onto the list as saved.
      expect(await row.textContent()).toContain("Action: TerminateInstances or StopInstances");
      expect(await row.textContent()).toContain("?v=2");

      await row.getByRole("button", { name: "Rotate the secret of terminated-instances" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      expect(await page.getByTestId("rule-secret").count()).toBe(0);
      await row.getByRole("button", { name: "Rotate the secret of terminated-instances" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
      const rotated = page.getByTestId("rule-secret");
      await rotated.waitFor();
      expect(await rotated.textContent()).toContain("New signing secret");
      expect(await page.getByTestId("rule-secret-value").inputValue()).toMatch(/^whsec_/);
      await rotated.getByRole("button", { name: "I have stored it" }).click();

      await row.getByRole("button", { name: "Delete terminated-instances" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
      await row.waitFor({ state: "detached" });
      expect(await page.getByTestId("rule-quota").textContent()).toContain("1 of 10 rules");
    }));

  test("at the quota, Create rule is off and says why", () =>
    onPage(auditorPage, async (page) => {
      await c.operator("PUT", "/accounts/acme/quotas/rules", { value: 1 });
      try {
        await page.goto(`${c.base}/rules`);
        await page.getByTestId("rule-limit").waitFor();
        expect(await page.getByTestId("rule-limit").textContent()).toContain("1 of 1 rules");
        expect(await page.getByRole("button", { name: "Create rule" }).isDisabled()).toBe(true);
      } finally {
        await c.operator("PUT", "/accounts/acme/quotas/rules", { value: 10 });
      }
    }));

  test("keyboard: Enter opens the form with focus in it, arrow keys pick a template, Cancel returns focus", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${c.base}/rules`);
      await page.locator('tr[data-rule="alice-stops"]').waitFor();
      await page.getByRole("button", { name: "Create rule" }).focus();
      await page.keyboard.press("Enter");
      const form = page.getByTestId("rule-form");
      await form.waitFor();
      const focused = () => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name || document.activeElement?.textContent);
      expect(await focused()).toBe("name");
      // The templates arrive after the form opens: the arrow keys walk them once they are there.
      await form.locator("[data-template]").first().waitFor();
      // Back one Tab stop: the chosen template (a radio group is one stop); the arrows choose.
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("ArrowDown");
      expect(await form.getByLabel("Rule name").inputValue()).toBe("audit-trail-tampering");
      expect(await form.getByLabel("Actions").inputValue()).toBe("StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors");
      await form.getByRole("button", { name: "Cancel" }).focus();
      await page.keyboard.press("Enter");
      await form.waitFor({ state: "detached" });
      expect(await focused()).toBe("Create rule");
    }));
});

test("no sideways scroll at 390 px on the Rules view, its form and a delivery log; row actions on screen", () =>
  onPage(
    () => auditorPage({ width: 390, height: 844 }),
    async (page) => {
      await page.goto(`${c.base}/rules`);
      const row = page.locator('tr[data-rule="alice-stops"]');
      await row.waitFor();
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      for (const name of ["Send a test event to alice-stops", "Edit alice-stops", "Delete alice-stops"]) {
        const box = (await row.getByRole("button", { name }).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
      await page.screenshot({ path: join(SHOTS, "rules-390.png") });
      await page.getByRole("button", { name: "Create rule" }).click();
      await page.getByTestId("rule-form").locator("[data-template]").first().waitFor();
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      await page.goto(`${c.base}/rules/alice-stops`);
      await page.locator("table.grid tbody tr").first().waitFor();
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, "rule-deliveries-390.png") });
    },
  ));

describe("what the list and the log say (answers stubbed: states a fresh account cannot reach quickly)", () => {
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const rule = (name: string, extra: Record<string, unknown>) => ({
    name,
    filter: { eventNames: ["StopLogging", "DeleteTrail"] },
    url: "https://hooks.example.com/activity-log",
    enabled: true,
    disabledReason: null,
    createdAt: at(48 * HOUR),
    updatedAt: at(48 * HOUR),
    secretHint: "whsec_…abcd",
    lastDelivery: null,
    lastError: null,
    paused: false,
    pausedSince: null,
    ...extra,
  });
  const delivery = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
    id,
    eventId: `evt-${id}`,
    eventName: "StopLogging",
    eventTime: at(HOUR),
    test: false,
    status,
    attempts: 1,
    responseCode: 200,
    error: null,
    createdAt: at(HOUR),
    lastAttemptAt: at(HOUR),
    deliveredAt: at(HOUR),
    nextAttemptAt: null,
    ...extra,
  });

  test("paused, disabled with its reason, failing with the time of the last error", () =>
    onPage(auditorPage, async (page) => {
      const errorAt = at(5 * 60_000);
      await page.route("**/api/v1/rules", (route) =>
        route.request().method() === "GET"
          ? route.fulfill({
              json: {
                rules: [
                  rule("paused-rule", { paused: true, pausedSince: at(2 * HOUR) }),
                  rule("gave-up", {
                    enabled: false,
                    disabledReason: "Deliveries failed for 24 hours (last: HTTP 503); re-enable the rule once the receiver works.",
                  }),
                  rule("failing-rule", {
                    lastDelivery: { at: errorAt, status: "retrying", responseCode: 500 },
                    lastError: { at: errorAt, message: "HTTP 500 from the receiver" },
                  }),
                ],
                quota: { used: 3, limit: 10 },
              },
            })
          : route.continue(),
      );
      await page.goto(`${c.base}/rules`);
      const status = (name: string) => page.locator(`tr[data-rule="${name}"] [data-testid="rule-status"]`).textContent();
      await page.locator('tr[data-rule="failing-rule"]').waitFor();
      expect(await status("paused-rule")).toBe("Paused");
      expect(await page.getByTestId("rule-paused").textContent()).toContain(`since ${formatTime(at(2 * HOUR))}`);
      expect(await status("gave-up")).toBe("Disabled");
      expect(await page.getByTestId("rule-disabled-reason").textContent()).toContain("failed for 24 hours");
      expect(await page.locator('tr[data-rule="gave-up"]').getByRole("button", { name: "Enable gave-up" }).count()).toBe(1);
      expect(await status("failing-rule")).toBe("Failing");
      const failing = page.locator('tr[data-rule="failing-rule"]');
      expect(await failing.getByTestId("rule-last-error").textContent()).toContain(`HTTP 500 from the receiver`);
      expect(await failing.getByTestId("rule-last-error").textContent()).toContain(formatTime(errorAt));
      expect(await failing.getByTestId("rule-last-delivery").textContent()).toContain("Retrying · HTTP 500");
      expect(await page.getByTestId("rule-quota").textContent()).toContain("3 of 10 rules");
    }));

  test("the delivery log pages on with nextToken; retries show their error and next attempt", () =>
    onPage(auditorPage, async (page) => {
      const next = at(-10 * 60_000);
      await page.route("**/api/v1/rules/paged", (route) => route.fulfill({ json: { rule: rule("paged", {}) } }));
      const tokens: (string | null)[] = [];
      await page.route("**/api/v1/rules/paged/deliveries?**", (route) => {
        const token = new URL(route.request().url()).searchParams.get("nextToken");
        tokens.push(token);
        return route.fulfill({
          json:
            token === "page-2"
              ? { deliveries: [delivery("d3", "failed", { attempts: 12, responseCode: null, error: "connect ECONNREFUSED" })], nextToken: null }
              : {
                  deliveries: [
                    delivery("d1", "delivered"),
                    delivery("d2", "retrying", { attempts: 3, responseCode: 503, error: "HTTP 503 from the receiver", nextAttemptAt: next, deliveredAt: null }),
                  ],
                  nextToken: "page-2",
                },
        });
      });
      await page.goto(`${c.base}/rules/paged`);
      await page.locator('tr[data-delivery="d2"]').waitFor();
      const retrying = page.locator('tr[data-delivery="d2"]');
      expect(await retrying.getByTestId("delivery-status").textContent()).toBe("Retrying");
      expect(await retrying.textContent()).toContain("HTTP 503 from the receiver");
      expect(await retrying.textContent()).toContain(formatTime(next));
      expect(await page.locator('tr[data-delivery="d1"] a[data-testid="delivery-event"]').getAttribute("href")).toBe("/events?event=evt-d1");
      await page.getByRole("button", { name: "Load more" }).click();
      await page.locator('tr[data-delivery="d3"]').waitFor();
      expect(await page.locator("table.grid tbody tr").count()).toBe(3);
      expect(await page.locator('tr[data-delivery="d3"]').textContent()).toContain("connect ECONNREFUSED");
      await page.getByText("3 shown · no more").waitFor();
      expect(tokens).toEqual([null, "page-2"]);
      // Refresh starts again from the newest.
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.getByRole("button", { name: "Load more" }).waitFor();
      expect(await page.locator("table.grid tbody tr").count()).toBe(2);
    }));

  test("an unknown rule's log says so", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${c.base}/rules/no-such-rule`);
      await page.getByRole("link", { name: "See the rules of this account" }).waitFor();
      expect(await page.getByRole("alert").allTextContents()).toEqual([expect.stringContaining("RuleNotFoundException")]);
    }));
});
