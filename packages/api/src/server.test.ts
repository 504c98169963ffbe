import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "./db/client.ts";
import { silentLogger } from "./logger.ts";
import { startServer } from "./server.ts";
import { createTestDatabase, testEnv } from "./test-kit/index.ts";

let database: Database;
let dir: string;
const env = () => testEnv(join(dir, "data"));

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "al-server-"));
});
afterAll(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the console's assets", () => {
  test("files from dist, index.html for other GETs, API paths untouched", async () => {
    const web = join(dir, "web-built");
    mkdirSync(join(web, "dist", "assets"), { recursive: true });
    writeFileSync(join(web, "dist", "index.html"), "<!doctype html><title>console</title>");
    writeFileSync(join(web, "dist", "assets", "app.js"), "console.log(1)");
    const server = await startServer({ env: env(), port: 0, database, webDir: web, logger: silentLogger });
    try {
      const root = await fetch(`${server.url}/`);
      expect(root.status).toBe(200);
      expect(await root.text()).toContain("<title>console</title>");
      const deep = await fetch(`${server.url}/events?eventName=StopInstances`);
      expect(await deep.text()).toContain("<title>console</title>");
      const asset = await fetch(`${server.url}/assets/app.js`);
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect(await asset.text()).toBe("console.log(1)");
      expect((await fetch(`${server.url}/healthz`)).headers.get("content-type")).toContain("application/json");
      const api = await fetch(`${server.url}/internal/v1/operator/accounts/x`);
      expect(api.status).toBe(401);
      const apiGet = await fetch(`${server.url}/api/v1/no-such-route`);
      expect(await apiGet.text()).not.toContain("<title>console</title>");
      // The CloudTrail API is POST /: never the SPA.
      const post = await fetch(`${server.url}/`, { method: "POST", body: "{}" });
      expect(await post.text()).not.toContain("<title>console</title>");
    } finally {
      await server.stop();
    }
  });

  test("a missing dist is built on first start; pages say so meanwhile", async () => {
    const web = join(dir, "web-unbuilt");
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, "vite.config.ts"), "export default {}\n");
    writeFileSync(
      join(web, "package.json"),
      JSON.stringify({ name: "fake-web", private: true, scripts: { build: "sleep 0.3 && mkdir -p dist && echo '<title>built</title>' > dist/index.html" } }),
    );
    const server = await startServer({ env: env(), port: 0, database, webDir: web, logger: silentLogger });
    try {
      const during = await fetch(`${server.url}/`);
      expect(during.status).toBe(503);
      expect(await during.text()).toContain("being built");
      await server.webReady;
      const after = await fetch(`${server.url}/reports`);
      expect(after.status).toBe(200);
      expect(await after.text()).toContain("<title>built</title>");
    } finally {
      await server.stop();
    }
  });

  test("without dist and without a vite config, pages say how to build", async () => {
    const web = join(dir, "web-empty");
    mkdirSync(web, { recursive: true });
    const server = await startServer({ env: env(), port: 0, database, webDir: web, logger: silentLogger });
    try {
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("bun run build:web");
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
