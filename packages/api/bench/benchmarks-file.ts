import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** BENCHMARKS.md at the repository root; each benchmark owns one "## " section of it. */
const BENCHMARKS_FILE = join(import.meta.dir, "../../../BENCHMARKS.md");

/**
 * Replaces the section that starts with `heading` (up to the next "## ") with `section`, or
 * appends it, leaving the other benchmarks' sections as they are.
 */
export function writeBenchmarkSection(heading: string, section: string): void {
  const text = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, "utf8") : "# Benchmarks\n\nWritten by `bun run bench`.\n";
  const start = text.indexOf(heading);
  const rest = start >= 0 ? text.indexOf("\n## ", start + heading.length) : -1;
  const before = start >= 0 ? text.slice(0, start) : text;
  const after = rest >= 0 ? `\n${text.slice(rest + 1)}` : "";
  // Blank lines around the section, or a heading reads as part of the table above it.
  const out = `${before.trimEnd()}\n\n${section.trimEnd()}\n${after}`;
  writeFileSync(BENCHMARKS_FILE, out.endsWith("\n") ? out : `${out}\n`);
}
