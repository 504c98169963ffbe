/**
 * What an event record can hold. Postgres text and jsonb refuse NUL and invalid UTF-16 (a lone
 * surrogate such as "\ud800" cannot be encoded as UTF-8), and unbounded nesting costs stack and
 * storage. Callers' input is checked up front (NUL → 400, ingest also refuses lone surrogates and
 * deep nesting), and what this service records about its own calls is made storable:
 * lone surrogates become U+FFFD, and parameters beyond the limits become a marker, the way
 * CloudTrail omits oversized `requestParameters`.
 *
 * Every walk here is iterative, so a 100,000-level document cannot overflow the stack.
 */

/** Deepest nesting an event field may have (objects and arrays; the field itself is level 1). */
export const MAX_EVENT_DEPTH = 32;
/** Largest recorded requestParameters/responseElements/additionalEventData of this service's own calls (JSON bytes). */
export const MAX_RECORDED_FIELD_BYTES = 100 * 1024;

export type TextProblem = { path: string; message: string };

const NUL = "\u0000";
/** Any surrogate half that is not part of a valid pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasNul(s: string): boolean {
  return s.includes(NUL);
}

export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** Replaces lone surrogates with U+FFFD (what a UTF-8 decoder shows for them). */
export function wellFormed(s: string): string {
  return hasLoneSurrogate(s) ? s.replace(new RegExp(LONE_SURROGATE.source, "g"), "\ufffd") : s;
}

const keyPath = (base: string, key: string) =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(wellFormed(key))}]`;

function textProblem(s: string, options: { surrogates: boolean }): string | null {
  if (hasNul(s)) return "must not contain the NUL character (U+0000).";
  if (options.surrogates && hasLoneSurrogate(s)) return "must not contain a lone surrogate (invalid UTF-16, e.g. \\ud800).";
  return null;
}

/**
 * The first problem in a parsed JSON value: NUL in any key or string, a lone surrogate (unless
 * `surrogates: false`), or nesting deeper than `maxDepth`. The path names the field
 * (`requestParameters.tags[2].key`). Null when the value can be stored as it is.
 */
export function findTextProblem(value: unknown, options: { maxDepth?: number; surrogates?: boolean; path?: string } = {}): TextProblem | null {
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const check = { surrogates: options.surrogates ?? true };
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: options.path ?? "", depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === "string") {
      const message = textProblem(v, check);
      if (message) return { path, message: `the value ${message}` };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (depth + 1 > maxDepth) return { path, message: `nesting is deeper than ${maxDepth} levels.` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i]!;
      const message = textProblem(k, check);
      if (message) return { path: keyPath(path, k), message: `the key ${message}` };
      stack.push({ value: child, path: keyPath(path, k), depth: depth + 1 });
    }
  }
  return null;
}

/** The marker that stands for parameters too large or too deep to record. */
export function omittedMarker(reason: string): Record<string, unknown> {
  return { omitted: true, reason };
}

/**
 * A storable copy of a recorded field of this service's own calls: lone surrogates → U+FFFD in keys
 * and strings; NUL → U+FFFD too (callers' NUL is refused before a call runs, so this only guards);
 * deeper than MAX_EVENT_DEPTH or larger than MAX_RECORDED_FIELD_BYTES → the omitted marker.
 * `prototype`-like keys are kept as plain data (the copy has no prototype chain to pollute).
 */
export function recordableField(
  value: Record<string, unknown> | null | undefined,
  limits: { maxDepth?: number; maxBytes?: number } = {},
): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const maxDepth = limits.maxDepth ?? MAX_EVENT_DEPTH;
  const maxBytes = limits.maxBytes ?? MAX_RECORDED_FIELD_BYTES;
  if (depthExceeds(value, maxDepth)) return omittedMarker(`nested deeper than ${maxDepth} levels`);
  const copy = cleanCopy(value) as Record<string, unknown>;
  const bytes = new TextEncoder().encode(JSON.stringify(copy)).byteLength;
  if (bytes > maxBytes) return omittedMarker(`larger than ${maxBytes} bytes (${bytes})`);
  return copy;
}

/** True when objects/arrays nest deeper than `maxDepth` (the value itself is level 1). */
export function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

const clean = (s: string) => wellFormed(s).replaceAll(NUL, "\ufffd");

/** Copy with clean text; only called on values already known to be at most MAX depth deep. */
function cleanCopy(v: unknown): unknown {
  if (typeof v === "string") return clean(v);
  if (typeof v !== "object" || v === null) return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(cleanCopy);
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, child] of Object.entries(v)) out[clean(k)] = cleanCopy(child);
  return { ...out };
}

/**
 * Ingest's check of one reported event (a parsed JSON object): NUL or a lone surrogate in any key
 * or string, or a field nested deeper than MAX_EVENT_DEPTH. The path names the field.
 */
export function ingestTextProblem(event: unknown): TextProblem | null {
  if (typeof event !== "object" || event === null || Array.isArray(event)) return null;
  for (const [k, v] of Object.entries(event)) {
    const keyMessage = textProblem(k, { surrogates: true });
    if (keyMessage) return { path: keyPath("", k), message: `the key ${keyMessage}` };
    const problem = findTextProblem(v, { maxDepth: MAX_EVENT_DEPTH, path: keyPath("", k) });
    if (problem) return problem;
  }
  return null;
}
