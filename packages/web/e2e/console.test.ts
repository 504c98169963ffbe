/**
 * The console in a real browser: `bun run start` on a temporary DATA_DIR and a free port (no demo
 * data: this file seeds its own account, users and events through the operator and ingest APIs, so
 * every expectation is known), driven by playwright-core with Debian's Chromium. Saves a screenshot
 * of each view to docs/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Subprocess, spawn } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_INGEST_TOKEN as INGEST_TOKEN, TEST_OPERATOR_TOKEN as OPERATOR_TOKEN } from "@activity-log/api/test-kit";
import { type Browser, chromium, type Page } from "playwright-core";

const ROOT = new URL("../../../", import.meta.url).pathname;
const SHOTS = join(ROOT, "docs/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PASSWORD = "e2e-password-123";
const DAY = 86_400_000;

setDefaultTimeout(90_000);
const pending = new Set<string>();

let server: Subprocess;
let browser: Browser;
let base = "";
let dataDir = "";

/** Embedded mode whatever the caller's shell has set: PGlite and the local object store. */
function serverEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_URL|S3_|REPORTS_|SECRET_KEY)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

async function operator(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/internal/v1/operator${path}`, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const now = Date.now();
const at = (msAgo: number) => new Date(now - msAgo).toISOString();
function event(eventName: string, userName: string, msAgo: number, extra: Record<string, unknown> = {}) {
  return {
    eventName,
    userName,
    eventTime: at(msAgo),
    eventSource: "ec2.amazonaws.com",
    recipientAccountId: "acme",
    project: "production",
    sourceIPAddress: "10.0.0.7",
    ...extra,
  };
}

/** Known events: who stopped instances last week, who terminated i-0abc1234 two weeks ago, and reads. */
const EVENTS = [
  event("StopInstances", "alice", 2 * DAY, { requestParameters: { instancesSet: { items: [{ instanceId: "i-0db0001" }] } } }),
  event("StopInstances", "bob", 5 * DAY, { requestParameters: { instancesSet: { items: [{ instanceId: "i-0db0002" }] } } }),
  event("StopInstances", "carol", 10 * DAY),
  event("TerminateInstances", "dave", 14 * DAY, {
    requestParameters: { instancesSet: { items: [{ instanceId: "i-0abc1234" }] } },
    resources: [{ type: "AWS::EC2::Instance", name: "i-0abc1234" }],
  }),
  event("StartInstances", "erin", 3 * 3_600_000),
  ...Array.from({ length: 30 }, (_, i) => event("DescribeInstances", "monitoring", i * 3_600_000 + 60_000)),
];

async function signIn(page: Page, user: string) {
  await page.goto(`${base}/signin`);
  await page.getByLabel("Account").fill("acme");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const usersInTable = (page: Page) => page.$$eval(".events-table .rows .row", (rows) => rows.map((r) => (r.children[2] as HTMLElement).textContent.trim()));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "al-e2e-"));
  base = `http://127.0.0.1:${await freePort()}`;
  server = spawn(["bun", "run", "start"], {
    cwd: ROOT,
    env: serverEnv({ PORT: base.split(":")[2]!, DATA_DIR: dataDir, DEMO: "0", OPERATOR_TOKEN, INGEST_TOKEN }),
    stdout: process.env.E2E_SERVER_LOG ? "inherit" : "ignore",
    stderr: "inherit",
  });
  // Start-up includes PGlite migrations and, on a fresh clone, the first web build.
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/`)
      .then((r) => r.ok && r.headers.get("content-type")?.includes("html"))
      .catch(() => false);
    if (ok) break;
    if (i > 240) throw new Error("the server did not start within 120 s");
    await Bun.sleep(500);
  }
  await operator("POST", "/accounts", { account: "acme" });
  await operator("POST", "/accounts/acme/projects", { project: "production" });
  await operator("POST", "/accounts/acme/users", { user: "auditor", password: PASSWORD });
  await operator("POST", "/accounts/acme/users", { user: "viewer", password: PASSWORD });
  await operator("PUT", "/accounts/acme/projects/production/administrators/auditor");
  await operator("POST", "/accounts/acme/access-keys", { user: "auditor", project: "production" });
  mkdirSync(join(dataDir, "objects", "audit-archive"), { recursive: true });
  const ingested = await fetch(`${base}/internal/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ events: EVENTS }),
  });
  expect(ingested.status).toBe(200);
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.kill();
  await server?.exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh page of its own for each test (nothing carries over from another test's page). */
async function newPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  if (process.env.E2E_DEBUG) {
    page.on("request", (r) => pending.add(r.url()));
    page.on("requestfinished", (r) => pending.delete(r.url()));
    page.on(
      "response",
      (r) => r.url().includes("/api/") && console.error("resp", r.request().method(), r.status(), r.url().slice(base.length, base.length + 90)),
    );
    page.on("requestfailed", (r) => pending.delete(r.url()));
    page.on("pageerror", (e) => console.error("pageerror", e.message));
    page.on("console", (m) => m.type() === "error" && console.error("console", m.text()));
  }
  return page;
}

/** A page signed in as the auditor (an ActivityLogAdministrator), on the Events view. */
async function auditorPage(): Promise<Page> {
  const page = await newPage();
  await signIn(page, "auditor");
  await page.waitForURL(/\/events/);
  return page;
}

/** Runs a test's steps on a page of its own, closed afterwards whatever happens. */
async function onPage(open: () => Promise<Page>, steps: (page: Page) => Promise<void>): Promise<void> {
  const page = await open();
  try {
    await steps(page);
  } finally {
    await page.close();
  }
}

describe("console", () => {
  test("sign in", () =>
    onPage(newPage, async (page) => {
      await page.goto(`${base}/events`);
      await page.waitForURL(/\/signin/);
      await page.screenshot({ path: join(SHOTS, "sign-in.png") });
      await signIn(page, "auditor");
      await page.waitForURL(/\/events/);
      expect(await page.getByTestId("signed-in-user").textContent()).toBe("auditor");
    }));

  test("use case 1: who stopped instances in the last 7 days", () =>
    onPage(auditorPage, async (page) => {
      await page.getByRole("button", { name: "7d" }).click();
      await page.getByLabel("Action").fill("StopInstances");
      await page.getByLabel("Action").press("Enter");
      await page.waitForURL(/eventName=StopInstances/);
      await page.waitForFunction(() => document.querySelectorAll(".events-table .rows .row").length === 2);
      expect(await usersInTable(page)).toEqual(["alice", "bob"]);
      expect(page.url()).toContain("range=7d");
    }));

  test("use case 2: who terminated i-0abc1234, with its details", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${base}/events?range=30d&resourceName=i-0abc1234`);
      await page.waitForFunction(() => document.querySelectorAll(".events-table .rows .row").length === 1);
      expect(await usersInTable(page)).toEqual(["dave"]);
      await page.locator(".events-table .rows .row").first().click();
      const details = page.getByTestId("event-details");
      await details.getByText("TerminateInstances", { exact: true }).first().waitFor();
      expect(await page.getByTestId("raw-record").textContent()).toContain('"i-0abc1234"');
      await page.screenshot({ path: join(SHOTS, "event-details.png") });
      await page.keyboard.press("Escape");
      await details.waitFor({ state: "detached" });
    }));

  test("Read only is No by default; All shows the reads", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${base}/events?range=7d&eventName=DescribeInstances`);
      expect(await page.getByLabel("Read only").inputValue()).toBe("false");
      await page.getByText("No events match these filters").waitFor();
      await page.getByLabel("Read only").selectOption("all");
      await page.waitForURL(/readOnly=all/);
      await page.waitForSelector(".events-table .rows .row");
      const users = await usersInTable(page);
      expect(users.length).toBeGreaterThan(10);
      expect(new Set(users)).toEqual(new Set(["monitoring"]));
      await page.getByLabel("Action").fill("");
      await page.getByLabel("Action").press("Enter");
      await page.waitForURL((u) => !u.search.includes("eventName"));
      await page.getByLabel("Read only").selectOption("false");
      // Back to the default: the changes only, whatever other tests' calls added on top of the seeded ones.
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll(".events-table .rows .row")];
        return rows.length > 0 && rows.every((r) => !r.textContent?.includes("DescribeInstances"));
      });
      await page.screenshot({ path: join(SHOTS, "events.png") });
    }));

  test("a CSV report builds, downloads and holds the rows", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${base}/events?range=30d&eventName=StopInstances`);
      await page.waitForFunction(() => document.querySelectorAll(".events-table .rows .row").length === 3);
      await page.getByRole("button", { name: "Create report CSV" }).click();
      await page.waitForURL(/\/reports/);
      try {
        await page.waitForSelector('tr[data-status="ready"]', { timeout: 60_000 });
      } catch (e) {
        await page.screenshot({ path: join(dataDir, "..", "al-e2e-report-failure.png") });
        console.error("pending", [...pending]);
        console.error(
          "healthz",
          await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
            (r) => r.status,
            (x) => String(x),
          ),
        );
        console.error(
          "reports",
          await page.request.get(`${base}/api/v1/reports`, { timeout: 5000 }).then(
            (r) => r.text(),
            (x) => String(x),
          ),
        );
        throw e;
      }
      expect(await page.locator('tr[data-status="ready"] [data-testid="report-rows"]').first().textContent()).toBe("3");
      await page.screenshot({ path: join(SHOTS, "reports.png") });
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator('tr[data-status="ready"] a', { hasText: "Download" }).first().click()]);
      const csv = readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "");
      const lines = csv.trim().split("\r\n");
      expect(lines[0]).toStartWith("eventTime,eventName,userName");
      expect(
        lines
          .slice(1)
          .map((l) => l.split(",")[2])
          .sort(),
      ).toEqual(["alice", "bob", "carol"]);
    }));

  test("trails: name rules as you type, server errors verbatim, create, stop, start, delete", () =>
    onPage(auditorPage, async (page) => {
      await page.goto(`${base}/trails`);
      await page.getByTestId("trail-count").waitFor();
      expect(await page.getByTestId("trail-count").textContent()).toContain("0 of 2 trails");
      await page.getByRole("button", { name: "Create trail" }).click();
      await page.getByLabel("Trail name").fill("my..trail");
      expect(await page.getByTestId("trail-name-hint").textContent()).toContain("adjacent");
      await page.getByLabel("Trail name").fill("audit-trail");
      expect(await page.getByTestId("trail-name-hint").textContent()).toContain("3–128");
      await page.getByLabel("Project of the bucket").selectOption("production");
      await page.getByLabel("Bucket", { exact: true }).fill("no-such-bucket");
      await page.getByRole("button", { name: "Create and start logging" }).click();
      expect(await page.getByTestId("trail-error").textContent()).toMatch(/S3BucketDoesNotExistException\s*: S3 bucket does not exist: no-such-bucket/);
      await page.getByLabel("Bucket", { exact: true }).fill("audit-archive");
      await page.getByLabel("Prefix (optional)").fill("evidence");
      await page.getByRole("button", { name: "Create and start logging" }).click();
      const row = page.locator('tr[data-trail="audit-trail"]');
      await row.waitFor();
      expect(await row.getByTestId("trail-status").textContent()).toBe("Logging");
      expect(await page.getByTestId("trail-count").textContent()).toContain("1 of 2 trails");
      await page.screenshot({ path: join(SHOTS, "trails.png") });
      await row.getByRole("button", { name: "Stop logging audit-trail" }).click();
      await row.getByText("Stopped").waitFor();
      await row.getByRole("button", { name: "Start logging audit-trail" }).click();
      await row.getByText("Logging").waitFor();
      await row.getByRole("button", { name: "Delete audit-trail" }).click();
      await page.getByRole("button", { name: "Delete trail" }).click();
      await row.waitFor({ state: "detached" });
      expect(await page.getByTestId("trail-count").textContent()).toContain("0 of 2 trails");
    }));

  test("sign out", () =>
    onPage(auditorPage, async (page) => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/signin/);
    }));
});

test("a user outside ActivityLogAdministrators sees the no-access page", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await signIn(page, "viewer");
  await page.getByRole("heading", { name: "You have no access to the Activity log" }).waitFor();
  await page.screenshot({ path: join(SHOTS, "no-access.png") });
  await page.close();
});

test("the Events view is usable on a narrow window", async () => {
  const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
  await signIn(page, "auditor");
  await page.waitForURL(/\/events/);
  await page.goto(`${base}/events?range=30d`);
  await page.waitForSelector(".events-table .rows .row");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(SHOTS, "events-narrow.png"), fullPage: false });
  await page.close();
});

test("Event details renders a record nested 5,000 levels deep (stored before ingest limited depth)", async () => {
  let deep: unknown = { leaf: "bottom-of-the-record" };
  for (let i = 0; i < 5_000; i++) deep = { n: deep };
  const page = await auditorPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Ingest now refuses such nesting, so the stored record is served as an older one would be.
  await page.route("**/api/v1/events/*", async (route) => {
    const response = await route.fetch();
    const json = (await response.json()) as { requestParameters: unknown; record: Record<string, unknown> };
    await route.fulfill({ response, json: { ...json, requestParameters: deep, record: { ...json.record, requestParameters: deep } } });
  });
  try {
    await page.goto(`${base}/events?range=30d&resourceName=i-0abc1234`);
    await page.locator(".events-table .rows .row").first().click();
    await page.getByTestId("raw-record").waitFor();
    expect(await page.getByTestId("raw-record").textContent()).toContain('"leaf":"bottom-of-the-record"');
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});
