// The edge entry must bundle for workerd with nothing Node- or Bun-only reachable (edge/build.ts).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdgeBundle } from "../edge/build.ts";

const outDir = mkdtempSync(join(tmpdir(), "al-edge-check-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

test("edge.ts bundles for workerd: only nodejs_compat's node: modules, no Bun./process. globals, no DOMParser", async () => {
  const build = await buildEdgeBundle(outDir);
  expect(build.errors).toEqual([]);
  expect(build.forbiddenImports).toEqual([]);
  expect(build.runtimeGlobals).toEqual([]);
  const text = await Bun.file(build.path).text();
  // The AWS SDK's browser XML parser needs DOMParser, which workerd lacks.
  expect(text).not.toContain("DOMParser");
}, 120_000);

test("the check reports a Node-only import and Bun./process. globals in the output", async () => {
  const entry = join(outDir, "offender.ts");
  await Bun.write(
    entry,
    `import { readFileSync } from "node:fs";\nexport default { fetch: () => new Response(Bun.version + process.env.X + readFileSync) };\n`,
  );
  const build = await buildEdgeBundle(join(outDir, "offender"), entry);
  expect(build.forbiddenImports).toEqual([`node:fs <- ${entry}`]);
  expect(build.runtimeGlobals).toHaveLength(2);
}, 60_000);

test("a Worker missing its bindings answers 503 ServiceUnavailableException naming what is missing", async () => {
  const edge = (await import("./edge.ts")).default;
  const response = await edge.fetch(new Request("http://worker.test/", { method: "POST" }), { DATABASE_URL: "postgres://u@db:5432/al" });
  expect(response.status).toBe(503);
  const body = (await response.json()) as { __type: string; message: string };
  expect(body.__type).toBe("ServiceUnavailableException");
  expect(body.message).toContain("SECRET_KEY must be set");
});
