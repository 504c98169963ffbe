/**
 * `bun run edge:build`: bundles src/edge.ts for workerd / Cloudflare Workers into one ES module,
 * dist/edge/worker.js (what wrangler.toml uploads and `bun run edge:dev` runs).
 *
 * - `workerd` export conditions: postgres.js picks its build over `cloudflare:sockets`;
 * - the AWS SDK's XML parser: its browser build needs `DOMParser`, which workerd lacks, so the build
 *   takes the SDK's own pure-JS parser instead (S3 error bodies such as NoSuchBucket parse again);
 * - a check of what the bundle reaches: only the node: modules that `nodejs_compat` provides and
 *   postgres.js needs, `cloudflare:sockets`, and no `Bun.`/`process.` global in the output.
 */
import { mkdirSync } from "node:fs";

export const EDGE_OUT_DIR = new URL("../dist/edge/", import.meta.url).pathname;
const ENTRY = new URL("../src/edge.ts", import.meta.url).pathname;

/** Runtime modules the bundle may import: workerd provides them (node:* under nodejs_compat). */
const ALLOWED_IMPORTS = new Set(["node:async_hooks", "node:buffer", "node:events", "node:stream", "cloudflare:sockets"]);
const RUNTIME_MODULE =
  /^(node:|bun:|bun$|cloudflare:)|^(assert|buffer|child_process|crypto|dns|events|fs|fs\/promises|http|https|module|net|os|path|perf_hooks|stream|stream\/promises|tls|url|util|worker_threads|zlib)$/;
const NODE_BUILTIN = /^(buffer|events|stream)$/;
/** A global of Bun or Node in the output: it would throw (or be undefined) on the edge. */
const RUNTIME_GLOBAL = /(?<![\w$.'"])(Bun|process)\.[A-Za-z_]/g;

export interface EdgeBuild {
  /** The bundle's path. */
  path: string;
  /** Runtime modules the bundle reaches that the edge does not provide, with who imports them. */
  forbiddenImports: string[];
  /** `Bun.`/`process.` uses in the output, with their surroundings. */
  runtimeGlobals: string[];
  errors: string[];
}

/** Bundles `entry` (default src/edge.ts; tests pass a fixture) into `outdir`/worker.js and checks it. */
export async function buildEdgeBundle(outdir: string = EDGE_OUT_DIR, entry: string = ENTRY): Promise<EdgeBuild> {
  mkdirSync(outdir, { recursive: true });
  const forbiddenImports: string[] = [];
  const result = await Bun.build({
    entrypoints: [entry],
    outdir,
    naming: "worker.js",
    target: "browser",
    format: "esm",
    conditions: ["workerd", "worker"],
    // Minified identifiers: local bindings are renamed (postgres.js's polyfill declares its own
    // `process`), so a `Bun.`/`process.` left in the output can only be the runtime's global.
    minify: { syntax: true, whitespace: false, identifiers: true },
    throw: false,
    plugins: [
      {
        name: "edge-runtime",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (!RUNTIME_MODULE.test(args.path)) return undefined;
            // A bare `buffer`/`events`/`stream` (lib-storage) is the node: module nodejs_compat provides.
            const path = NODE_BUILTIN.test(args.path) ? `node:${args.path}` : args.path;
            if (!ALLOWED_IMPORTS.has(path)) forbiddenImports.push(`${args.path} <- ${args.importer.replace(/^.*\/(packages|node_modules)\//, "$1/")}`);
            return { path, external: true };
          });
          // The SDK's package.json maps its XML parser to a DOMParser-based one for browsers.
          build.onLoad({ filter: /@aws-sdk\/xml-builder\/dist-es\/xml-parser\.browser\.js$/ }, async (args) => ({
            contents: await Bun.file(args.path.replace(/xml-parser\.browser\.js$/, "xml-parser.js")).text(),
            loader: "js",
          }));
        },
      },
    ],
  });
  const path = `${outdir.replace(/\/$/, "")}/worker.js`;
  const errors = result.logs.filter((l) => l.level === "error").map(String);
  const runtimeGlobals: string[] = [];
  if (result.success) {
    const text = await Bun.file(path).text();
    for (const m of text.matchAll(RUNTIME_GLOBAL)) runtimeGlobals.push(text.slice(Math.max(0, m.index - 40), m.index + 40).replace(/\s+/g, " "));
  }
  return { path, forbiddenImports: [...new Set(forbiddenImports)].sort(), runtimeGlobals, errors: result.success ? errors : [...errors, "build failed"] };
}

if (import.meta.main) {
  const build = await buildEdgeBundle();
  const problems = [...build.errors, ...build.forbiddenImports.map((i) => `imports ${i}`), ...build.runtimeGlobals.map((g) => `uses a runtime global: …${g}…`)];
  if (problems.length > 0) {
    console.error(`edge build: ${problems.length} problem(s)\n${problems.join("\n")}`);
    process.exit(1);
  }
  console.log(`edge build: ${build.path} (${(Bun.file(build.path).size / 1024).toFixed(0)} KB)`);
}
