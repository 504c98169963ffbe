/**
 * Serving the console SPA from packages/web/dist: files as built, index.html for any other path
 * (history routing). Assets are precompressed at build time (vite.config.ts writes `.br` and `.gz`
 * beside each file), so a request costs a file read, never a compression. Hashed assets under
 * /assets/ never change and are cached for a year; index.html is revalidated on every load, so a
 * new deployment is picked up at once.
 */
import { existsSync, statSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import type { MiddlewareHandler } from "hono";
import { Hono, type Context } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "./logger.ts";

/**
 * Security headers of every console response (the SPA and its API): scripts and everything else
 * only from this origin, never framed, no MIME sniffing, no full URLs (with their filters) leaked as
 * referrers. The favicon is a data: URL, hence `img-src data:`.
 */
export const consoleSecurityHeaders: MiddlewareHandler = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  xContentTypeOptions: "nosniff",
  referrerPolicy: "strict-origin-when-cross-origin",
  // Plain HTTP is allowed in development; HSTS belongs to the TLS front end.
  strictTransportSecurity: false,
});

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** The encodings prepared at build, best first, as (token, file suffix). */
const ENCODINGS = [
  ["br", ".br"],
  ["gzip", ".gz"],
] as const;

/** Which prepared encodings the client accepts (q=0 means refused). */
function accepted(header: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (header ?? "").split(",")) {
    const [token, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (token && !(q && Number(q.slice(2)) === 0)) out.add(token);
  }
  return out;
}

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** A file of dist/ (the best prepared encoding the client accepts), or null when there is none. */
function fileResponse(c: Context, dist: string, relative: string, cacheControl: string): Response | null {
  const path = normalize(join(dist, relative));
  if (path !== dist && !path.startsWith(dist + sep)) return null;
  if (!isFile(path)) return null;
  const type = Bun.file(path).type;
  const wanted = accepted(c.req.header("accept-encoding"));
  const headers = new Headers(c.res.headers);
  headers.set("content-type", type);
  headers.set("cache-control", cacheControl);
  headers.set("vary", "Accept-Encoding");
  for (const [token, suffix] of ENCODINGS) {
    if (wanted.has(token) && isFile(path + suffix)) {
      headers.set("content-encoding", token);
      return new Response(Bun.file(path + suffix), { headers });
    }
  }
  return new Response(Bun.file(path), { headers });
}

/**
 * The console app. When dist/ is missing but the web package has a vite config, it is built once
 * in the background; until then pages say so instead of failing.
 */
export function consoleAssets(webDir: string, logger: Logger): { app: Hono; ready: Promise<void>; stop(): void } {
  const dist = normalize(join(webDir, "dist"));
  const index = join(dist, "index.html");
  let state: "ready" | "building" | "missing" = existsSync(index) ? "ready" : "missing";
  let ready = Promise.resolve();
  let build: ReturnType<typeof Bun.spawn> | undefined;
  const hasViteConfig = ["vite.config.ts", "vite.config.js", "vite.config.mjs"].some((f) => existsSync(join(webDir, f)));
  if (state === "missing" && hasViteConfig) {
    state = "building";
    logger.info("building the web console (first start)", { dir: webDir });
    build = Bun.spawn(["bun", "run", "build"], { cwd: webDir, stdout: "ignore", stderr: "ignore" });
    ready = build.exited.then(
      (code) => {
        const ok = code === 0;
        state = ok && existsSync(index) ? "ready" : "missing";
        if (state === "ready") logger.info("web console built");
        else logger.error("building the web console failed; run `bun run build:web` to see why");
      },
      () => {
        state = "missing";
      },
    );
  }
  const notReady = (c: Context) => {
    c.header("cache-control", "no-store");
    return c.html(
      state === "building"
        ? `<!doctype html><meta http-equiv="refresh" content="3"><title>Activity Log</title><p>The console is being built on first start; this page reloads by itself.</p>`
        : `<!doctype html><title>Activity Log</title><p>The console is not built. Run <code>bun run build:web</code> and reload.</p>`,
      503,
    );
  };
  const app = new Hono().use(consoleSecurityHeaders).get("*", (c) => {
    if (state !== "ready") return notReady(c);
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return c.text("Bad path", 400);
    }
    if (path.startsWith("/assets/")) {
      // A hashed name that is not here is from an older build: a 404, never index.html cached for a year.
      return fileResponse(c, dist, path, IMMUTABLE) ?? c.text("Not found", 404, { "cache-control": "no-store" });
    }
    if (path !== "/" && !path.endsWith("/index.html")) {
      const file = fileResponse(c, dist, path, REVALIDATE);
      if (file) return file;
    }
    return fileResponse(c, dist, "index.html", REVALIDATE) ?? notReady(c);
  });
  // A build still running when the server stops is abandoned, not orphaned.
  return { app, ready, stop: () => build?.kill() };
}
