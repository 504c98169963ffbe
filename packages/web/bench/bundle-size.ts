/**
 * The console's production bundle: builds it with Vite and records the gzip size of its JavaScript
 * (target ≤ 150 KB) in the "Web console" section of BENCHMARKS.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { writeBenchmarkSection } from "@activity-log/api/benchmarks-file";

const root = join(import.meta.dir, "..");
const build = Bun.spawnSync(["bun", "run", "build"], { cwd: root, stdout: "ignore", stderr: "pipe" });
if (build.exitCode !== 0) {
  console.error(build.stderr.toString());
  process.exit(1);
}

const assets = join(root, "dist/assets");
const sizes = readdirSync(assets)
  .filter((f) => f.endsWith(".js") || f.endsWith(".css"))
  .map((f) => {
    const bytes = readFileSync(join(assets, f));
    return { file: f, kind: f.endsWith(".js") ? "JS" : "CSS", raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
const total = (kind: string, k: "raw" | "gzip") => sizes.filter((s) => s.kind === kind).reduce((n, s) => n + s[k], 0);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const jsGzip = total("JS", "gzip");

const section = [
  "## Web console (packages/web/bench)",
  "",
  `Run ${new Date().toISOString()} · \`vite build\` production bundle, gzip -9.`,
  "",
  "| asset | raw | gzip |",
  "|---|---|---|",
  ...sizes.map((s) => `| ${s.kind} \`${s.file}\` | ${kb(s.raw)} | ${kb(s.gzip)} |`),
  `| **all JavaScript** | ${kb(total("JS", "raw"))} | **${kb(jsGzip)}** (target ≤ 150 KB ${jsGzip <= 150 * 1024 ? "✅" : "❌ miss"}) |`,
  "",
].join("\n");
writeBenchmarkSection("## Web console (packages/web/bench)", section);
console.log(section);
