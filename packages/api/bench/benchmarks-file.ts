import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** BENCHMARKS.md at the repository root; each benchmark owns one "## " section of it. */
export const BENCHMARKS_FILE = join(import.meta.dir, "../../../BENCHMARKS.md");

/**
 * Replaces the section that starts with `heading` (up to the next "## ") with `section`, or
 * appends it, leaving the other benchmarks' sections as they are.
 */
export function writeBenchmarkSection(heading: string, section: string): void {
  let text = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, "utf8") : "# Benchmarks\n\nWritten by `bun run bench`.\n\n";
  const start = text.indexOf(heading);
  if (start >= 0) {
    const rest = text.indexOf("\n## ", start + heading.length);
    // Blank lines around the section, or a heading reads as part of the table above it.
    const before = text.slice(0, start).trimEnd();
    const after = rest >= 0 ? `\n${text.slice(rest + 1)}` : "";
    text = `${before}\n\n${section.trimEnd()}\n${after}`;
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(BENCHMARKS_FILE, text.endsWith("\n") ? text : `${text}\n`);
}
