/**
 * The browser tests' console under test (console.test.ts, rules.test.ts): `bun run start` on a temporary DATA_DIR and a
 * free port (embedded PGlite, no demo data), Debian's Chromium through playwright-core, and pages
 * that record uncaught errors and CSP violations so a test can fail on them.
 */
import { type Subprocess, spawn } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_INGEST_TOKEN as INGEST_TOKEN, TEST_OPERATOR_TOKEN as OPERATOR_TOKEN } from "@activity-log/api/test-kit";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";

const ROOT = new URL("../../../", import.meta.url).pathname;
export const SHOTS = join(ROOT, "docs/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

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

export type Console = {
  base: string;
  browser: Browser;
  operator: (method: string, path: string, body?: unknown) => Promise<unknown>;
  ingest: (events: unknown[]) => Promise<void>;
  /** A fresh page whose uncaught errors and CSP violations land in `problems`. */
  newPage: (viewport?: { width: number; height: number }, options?: BrowserContextOptions) => Promise<Page>;
  /** Errors and CSP violations since the last call (and forgets them). */
  takeProblems: () => string[];
  stop: () => Promise<void>;
};

export async function startConsole(env: Record<string, string> = {}): Promise<Console> {
  const dataDir = mkdtempSync(join(tmpdir(), "al-e2e-"));
  const base = `http://127.0.0.1:${await freePort()}`;
  const server: Subprocess = spawn(["bun", "run", "start"], {
    cwd: ROOT,
    env: serverEnv({ PORT: base.split(":")[2]!, DATA_DIR: dataDir, DEMO: "0", OPERATOR_TOKEN, INGEST_TOKEN, ...env }),
    stdout: process.env.E2E_SERVER_LOG ? "inherit" : "ignore",
    stderr: "inherit",
  });
  // Start-up includes PGlite migrations and, on a fresh clone, the first web build.
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/`)
      .then((r) => r.ok && r.headers.get("content-type")?.includes("html"))
      .catch(() => false);
    if (ok) break;
    if (i > 240) {
      server.kill();
      throw new Error("the server did not start within 120 s");
    }
    await Bun.sleep(500);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  let problems: string[] = [];
  return {
    base,
    browser,
    async operator(method, path, body) {
      const res = await fetch(`${base}/internal/v1/operator${path}`, {
        method,
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async ingest(events) {
      const res = await fetch(`${base}/internal/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
    },
    async newPage(viewport = { width: 1280, height: 860 }, options = {}) {
      const page = await browser.newPage({ viewport, ...options });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error" && /Content Security Policy/i.test(m.text())) problems.push(`csp: ${m.text()}`);
      });
      return page;
    },
    takeProblems() {
      const taken = problems;
      problems = [];
      return taken;
    },
    async stop() {
      await browser.close();
      server.kill();
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, base: string, account: string, user: string, password: string): Promise<void> {
  await page.goto(`${base}/signin`);
  await page.getByLabel("Account").fill(account);
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** No sideways scrolling: the page is no wider than the window. */
export const sidewaysOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
