/**
 * `bun run start` as a user runs it: a fresh DATA_DIR on embedded PGlite, the printed banner,
 * /healthz, the demo's printed credentials signing in, a clean exit on SIGINT, and config errors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const START = new URL("./start.ts", import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "al-start-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the all-in-one process (never against the shared DATABASE_URL) and waits for its banner. */
async function start(env: Record<string, string>) {
  const proc = Bun.spawn(["bun", START], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", LOG_LEVEL: "warn", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let out = "";
  // Generous: migrating and seeding the demo on PGlite takes a minute or more on a loaded 2-core machine.
  const deadline = Date.now() + 150_000;
  while (!out.includes("Operators") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { proc, out };
}

describe("bun run start", () => {
  test("serves /healthz, prints working demo credentials, exits cleanly on SIGINT", async () => {
    const { proc, out } = await start({ DATA_DIR: join(dir, "demo") });
    try {
      const url = /Console\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1];
      expect(url).toBeDefined();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const password = /password (\S+)/.exec(out)?.[1];
      const signIn = await fetch(`${url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ account: "demo", user: "admin", password }),
      });
      expect(signIn.status).toBeLessThan(300);
      expect(out).toMatch(/Access key\s+AKIA[A-Z0-9]{16} \/ \S{40}/);
      expect(out).toMatch(/Demo data\s+[\d,]+ events/);
    } finally {
      proc.kill("SIGINT");
    }
    expect(await proc.exited).toBe(0);
  }, 180_000);

  test("DEMO=0 seeds nothing and prints no credentials", async () => {
    const { proc, out } = await start({ DATA_DIR: join(dir, "nodemo"), DEMO: "0" });
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(out).toContain("Activity Log is running");
    expect(out).not.toContain("password");
  }, 30_000);

  test("bad configuration: one line on stderr, exit 1", async () => {
    const proc = Bun.spawn(["bun", START], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: join(dir, "bad"), DEMO: "maybe" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("Invalid configuration: DEMO: DEMO must be 1/0, true/false or yes/no");
  });
});
