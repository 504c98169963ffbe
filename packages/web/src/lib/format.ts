/** Display formatting for the console: sizes, counts, times and countdowns. */

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local time, sortable and unambiguous: 2026-11-24 13:05:09. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "2 d 4 h", "3 h 12 min", "45 s"; "expired" at or after the deadline. */
export function formatCountdown(deadlineIso: string, now: number): string {
  const ms = Date.parse(deadlineIso) - now;
  if (!(ms > 0)) return "expired";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** "5 min ago" style, for last deliveries. */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** <input type="datetime-local"> speaks local wall time without a zone. */
export function toDatetimeLocal(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromDatetimeLocal(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Levels indented like JSON.stringify(v, null, 2); deeper levels print compactly (no 10 KB indents). */
export const PRETTY_INDENT_DEPTH = 40;

type Frame = { open: boolean; items: [string | null, unknown][]; i: number; indent: string; close: string; compact: boolean };

/**
 * JSON.stringify(value, null, 2) for the values the API returns, without recursion: a stored record
 * may nest thousands of levels (older ingests had no depth limit), and the browser's recursive
 * stringify throws "Maximum call stack size exceeded" on it.
 */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  const out: string[] = [];
  const stack: Frame[] = [];
  const emit = (v: unknown, indent: string, depth: number) => {
    if (typeof v !== "object" || v === null) {
      out.push(JSON.stringify(v) ?? "null");
      return;
    }
    const items: [string | null, unknown][] = Array.isArray(v)
      ? v.map((x): [null, unknown] => [null, x === undefined || typeof x === "function" ? null : x])
      : Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== "function");
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (items.length === 0) {
      out.push(open + close);
      return;
    }
    out.push(open);
    stack.push({ open: true, items, i: 0, indent, close, compact: depth >= PRETTY_INDENT_DEPTH });
  };
  emit(value, "", 0);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.items.length) {
      stack.pop();
      out.push(f.compact ? f.close : `\n${f.indent}${f.close}`);
      continue;
    }
    const inner = f.compact ? f.indent : `${f.indent}  `;
    const [key, v] = f.items[f.i++]!;
    out.push(f.i > 1 ? "," : "");
    if (!f.compact) out.push(`\n${inner}`);
    if (key !== null) out.push(`${JSON.stringify(key)}:${f.compact ? "" : " "}`);
    emit(v, inner, stack.length);
  }
  return out.join("");
}
