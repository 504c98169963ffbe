/**
 * The package boundaries that the compiler cannot see, checked on every file (run by `bun run lint`
 * and CI). Exits 1 listing each offence as file:line.
 *
 * 1. Another package is imported only through an entry point its package.json `exports` names
 *    (no wildcard there, no deep path here); relative imports stay inside their package.
 * 2. Dependencies point one way: core ← api ← worker; web uses core, and api only for types
 *    (`import type` from an entry) in the app itself.
 * 3. core does no I/O: no Node/Bun built-ins, drivers, HTTP or SDK modules, and no reading of the
 *    clock (`Date.now()`, `new Date()`): time is passed in.
 * 4. The service reads its environment in one place, api's config.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const PACKAGES = join(ROOT, "packages");

type Manifest = { name: string; exports?: Record<string, string> | string };
const manifests = new Map<string, { dir: string; manifest: Manifest }>();
for (const dir of readdirSync(PACKAGES)) {
  const file = join(PACKAGES, dir, "package.json");
  if (existsSync(file)) manifests.set(dir, { dir: join(PACKAGES, dir), manifest: JSON.parse(readFileSync(file, "utf8")) });
}

/** Which packages each package may import (values); web's app may import api for types only. */
const ALLOWED: Record<string, string[]> = { core: [], api: ["core"], worker: ["core", "api"], web: ["core", "api"] };
const CORE_FORBIDDEN = /^(node:|bun$|bun:(?!test$)|drizzle-orm|hono|postgres$|@aws-sdk\/|@electric-sql\/|jszip|tar-stream)/;
const SOURCE = /\.(ts|tsx)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", ".turbo", "migrations"]);

const problems: string[] = [];
const report = (file: string, line: number, message: string) => problems.push(`${relative(ROOT, file)}:${line}: ${message}`);

for (const [name, { manifest }] of manifests) {
  const exports = manifest.exports;
  if (exports && typeof exports === "object" && Object.keys(exports).some((k) => k.includes("*") || String(exports[k]).includes("*"))) {
    report(join(PACKAGES, name, "package.json"), 1, `${manifest.name} exports a wildcard: name each entry point`);
  }
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry) || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry) && !entry.endsWith(".d.ts")) yield path;
  }
}

/** True when an import or re-export statement brings types only (`import type {…}`, or every name marked `type`). */
function isTypeOnly(statement: string): boolean {
  if (/^\s*(import|export)\s+type\s/.test(statement)) return true;
  const names = /\{([^}]*)\}/.exec(statement)?.[1];
  if (names === undefined || /^\s*import\s+[\w*]/.test(statement)) return false;
  const list = names
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  return list.length > 0 && list.every((n) => n.startsWith("type "));
}

/** Import and re-export specifiers with their line and whether they bring types only. */
function importsOf(text: string): { specifier: string; line: number; typeOnly: boolean }[] {
  const found: { specifier: string; line: number; typeOnly: boolean }[] = [];
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?\sfrom\s+["']([^"']+)["']/gm)) {
    found.push({ specifier: m[1]!, line: lineOf(m.index), typeOnly: isTypeOnly(m[0]) });
  }
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm)) {
    found.push({ specifier: (m[1] ?? m[2])!, line: lineOf(m.index), typeOnly: false });
  }
  return found;
}

const isTest = (file: string) => /\.test\.tsx?$/.test(file) || file.includes(`${sep}e2e${sep}`) || file.includes(`${sep}test-kit${sep}`);
const isServiceSource = (pkg: string, file: string) => ["core", "api", "worker"].includes(pkg) && file.includes(`${sep}src${sep}`) && !isTest(file);

for (const [pkg, { dir }] of manifests) {
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, "utf8");
    const inApp = pkg === "web" && file.includes(`${sep}src${sep}`);
    for (const { specifier, line, typeOnly } of importsOf(text)) {
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier);
        if (!target.startsWith(dir + sep)) report(file, line, `"${specifier}" reaches outside ${pkg}: import the other package through its entry point`);
        continue;
      }
      const m = /^@activity-log\/([^/]+)(\/.*)?$/.exec(specifier);
      if (m) {
        const [, target, sub] = m as unknown as [string, string, string | undefined];
        const entry = sub ? `.${sub}` : ".";
        const targetManifest = manifests.get(target)?.manifest;
        const exports = targetManifest?.exports;
        const names = typeof exports === "string" ? ["."] : Object.keys(exports ?? {});
        if (!targetManifest) report(file, line, `"${specifier}": no package ${target}`);
        else if (!names.includes(entry))
          report(file, line, `"${specifier}" is not an entry point of ${targetManifest.name} (it exports ${names.join(", ") || "nothing"})`);
        if (target !== pkg && !ALLOWED[pkg]?.includes(target)) report(file, line, `${pkg} must not depend on ${target}`);
        if (inApp && target === "api" && !typeOnly) report(file, line, `the web app may import only types from api ("import type")`);
        continue;
      }
      if (pkg === "core" && !isTest(file) && CORE_FORBIDDEN.test(specifier)) report(file, line, `core does no I/O: "${specifier}" belongs in api or worker`);
    }
    if (pkg === "core" && !isTest(file)) {
      text.split("\n").forEach((l, i) => {
        if (/Date\.now\(\)|new Date\(\)/.test(l)) report(file, i + 1, "core does not read the clock: take the time as a parameter");
      });
    }
    if (isServiceSource(pkg, file) && !file.endsWith(join("api", "src", "config.ts"))) {
      text.split("\n").forEach((l, i) => {
        if (/\b(process\.env|Bun\.env|import\.meta\.env)\b/.test(l)) report(file, i + 1, "only api/src/config.ts reads the environment");
      });
    }
  }
}

if (problems.length > 0) {
  console.error(`Package boundaries: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`Package boundaries: ok (${manifests.size} packages)`);
