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
    writeFileSync(join(web, "dist", "assets", "app.js.br"), Bun.gzipSync("unused")); // content is the build's business
    writeFileSync(join(web, "dist", "assets", "app.js.gz"), Bun.gzipSync("console.log(1)"));
    const server = await startServer({ env: env(), port: 0, database, webDir: web, logger: silentLogger });
    try {
      const root = await fetch(`${server.url}/`);
      expect(root.status).toBe(200);
      expect(await root.text()).toContain("<title>console</title>");
      const deep = await fetch(`${server.url}/events?eventName=StopInstances`);
      expect(await deep.text()).toContain("<title>console</title>");
      const asset = await fetch(`${server.url}/assets/app.js`, { headers: { "accept-encoding": "identity" } });
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect(asset.headers.get("content-encoding")).toBeNull();
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

  test("assets precompressed and cached for a year, index.html revalidated, security headers everywhere", async () => {
    const web = join(dir, "web-compressed");
    mkdirSync(join(web, "dist", "assets"), { recursive: true });
    writeFileSync(join(web, "dist", "index.html"), "<!doctype html><title>console</title>");
    writeFileSync(join(web, "dist", "assets", "app-1a2b3c.js"), "console.log(1)");
    writeFileSync(join(web, "dist", "assets", "app-1a2b3c.js.br"), Bun.deflateSync("brotli stand-in"));
    writeFileSync(join(web, "dist", "assets", "app-1a2b3c.js.gz"), Bun.gzipSync("console.log(1)"));
    const server = await startServer({ env: env(), port: 0, database, webDir: web, logger: silentLogger });
    const raw = (path: string, acceptEncoding: string) =>
      // decompress: false — what is on the wire, not what fetch would decode.
      fetch(`${server.url}${path}`, { headers: { "accept-encoding": acceptEncoding }, decompress: false } as RequestInit);
    try {
      const br = await raw("/assets/app-1a2b3c.js", "gzip, deflate, br");
      expect(br.headers.get("content-encoding")).toBe("br");
      expect(br.headers.get("content-type")).toContain("javascript");
      expect(br.headers.get("vary")).toContain("Accept-Encoding");
      expect(br.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(Buffer.from(await br.arrayBuffer())).toEqual(Buffer.from(Bun.deflateSync("brotli stand-in")));
      const gz = await raw("/assets/app-1a2b3c.js", "gzip");
      expect(gz.headers.get("content-encoding")).toBe("gzip");
      expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toBe("console.log(1)");
      const refused = await raw("/assets/app-1a2b3c.js", "br;q=0, gzip;q=0");
      expect(refused.headers.get("content-encoding")).toBeNull();
      expect(await refused.text()).toBe("console.log(1)");
      // An asset of an older build is a 404, not index.html cached for a year.
      const stale = await raw("/assets/app-000000.js", "gzip");
      expect(stale.status).toBe(404);
      expect(stale.headers.get("cache-control")).not.toContain("immutable");
      // An encoded ../ never leaves dist/.
      expect((await raw("/assets/..%2f..%2fpackage.json", "gzip")).status).toBe(404);
      expect(await (await raw("/..%2fpackage.json", "identity")).text()).toContain("<title>console</title>");
      for (const path of ["/", "/events?range=7d", "/index.html"]) {
        const page = await raw(path, "identity");
        expect(page.headers.get("cache-control")).toBe("no-cache");
        expect(await page.text()).toContain("<title>console</title>");
      }
      // The SPA and its API answer with the same security headers (errors included).
      for (const res of [await raw("/events", "gzip"), await fetch(`${server.url}/api/v1/me`)]) {
        const csp = res.headers.get("content-security-policy") ?? "";
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain("unsafe-inline");
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("x-frame-options")).toBe("DENY");
        expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      }
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
