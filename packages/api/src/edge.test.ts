// The edge entry must build for a browser-like target with no Node- or Bun-only module reachable.
import { expect, test } from "bun:test";

const BUILTIN =
  /^(node:|bun:|bun$)|^(assert|buffer|child_process|crypto|dns|events|fs|fs\/promises|http|https|module|net|os|path|perf_hooks|stream|stream\/promises|tls|url|util|worker_threads|zlib)$/;

test("edge.ts builds for the browser without node:/bun: imports", async () => {
  const offenders: string[] = [];
  const result = await Bun.build({
    entrypoints: [new URL("./edge.ts", import.meta.url).pathname],
    target: "browser",
    throw: false,
    plugins: [
      {
        name: "forbid-runtime-builtins",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (BUILTIN.test(args.path)) {
              offenders.push(`${args.path} <- ${args.importer.replace(/^.*\/(packages|node_modules)\//, "$1/")}`);
              return { path: args.path, external: true };
            }
            return undefined;
          });
        },
      },
    ],
  });
  expect(offenders.sort()).toEqual([]);
  expect(result.logs.filter((l) => l.level === "error").map(String)).toEqual([]);
  expect(result.success).toBe(true);
}, 60_000);
