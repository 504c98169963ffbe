/** Display formatting for the console: sizes, counts, times and countdowns. */
import { createSignal } from "solid-js";

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

/**
 * Times are shown in one format everywhere (24-hour, ISO-like: 2026-11-24 13:05:09) in one zone,
 * UTC or the browser's, chosen by the user and remembered per browser.
 */
export type TimeZoneChoice = "utc" | "local";
const ZONE_KEY = "al.timeZone";
const storage = typeof localStorage === "undefined" ? undefined : localStorage;
const [zone, setZoneSignal] = createSignal<TimeZoneChoice>(storage?.getItem(ZONE_KEY) === "local" ? "local" : "utc");
export const timeZone = zone;
export function setTimeZone(z: TimeZoneChoice): void {
  storage?.setItem(ZONE_KEY, z);
  setZoneSignal(z);
}

/** "UTC", or the browser's offset at that moment ("UTC+01:00"). */
export function zoneLabel(at: Date = new Date(), z: TimeZoneChoice = zone()): string {
  if (z === "utc") return "UTC";
  const off = -at.getTimezoneOffset();
  return `UTC${off < 0 ? "−" : "+"}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

type Parts = { y: number; mo: number; d: number; h: number; mi: number; s: number };
function partsOf(d: Date, z: TimeZoneChoice): Parts {
  return z === "utc"
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}
const dateOf = (p: Parts) => `${p.y}-${pad(p.mo)}-${pad(p.d)}`;

/** 2026-11-24 13:05:09 in the chosen zone (the zone is labelled once per view, not per value). */
export function formatTime(iso: string | number | null | undefined, z: TimeZoneChoice = zone()): string {
  if (iso === null || iso === undefined || iso === "") return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const p = partsOf(d, z);
  return `${dateOf(p)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** The same with the zone: "2026-11-24 13:05:09 UTC", for values shown on their own. */
export function formatTimeZoned(iso: string | null | undefined, z: TimeZoneChoice = zone()): string {
  const t = formatTime(iso, z);
  return t === "—" ? t : `${t} ${zoneLabel(new Date(iso!), z)}`;
}

/** A histogram tick: the time of day, with the date where the day changes or the span is long. */
export function formatTick(ms: number, spanMs: number, previousMs: number | undefined, z: TimeZoneChoice = zone()): string {
  const p = partsOf(new Date(ms), z);
  const day = `${pad(p.mo)}-${pad(p.d)}`;
  if (spanMs >= 3 * 86_400_000) return day;
  const time = `${pad(p.h)}:${pad(p.mi)}`;
  const newDay = previousMs === undefined || dateOf(partsOf(new Date(previousMs), z)) !== dateOf(p);
  return newDay ? `${day} ${time}` : time;
}

/** A period input's text, "2026-11-24 13:05", in the chosen zone. */
export function toInputTime(iso: string | undefined, z: TimeZoneChoice = zone()): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = partsOf(d, z);
  return `${dateOf(p)} ${pad(p.h)}:${pad(p.mi)}`;
}

/** Reads "2026-11-24 13:05" (seconds optional, "T" accepted) in the chosen zone; undefined when it is not a real time. */
export function fromInputTime(text: string, z: TimeZoneChoice = zone()): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const date = z === "utc" ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  const back = partsOf(date, z);
  // Rejects 2026-02-30 and 25:00 (Date would roll them over) and local times a DST change skips.
  if (back.y !== y || back.mo !== mo || back.d !== d || back.h !== h || back.mi !== mi) return undefined;
  return date.toISOString();
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
