/**
 * CSV reports rendered by Postgres: `COPY (SELECT …) TO STDOUT CSV` writes the rows, so a report
 * costs the worker little more than compressing them (BENCHMARKS.md, "Worker"). The SELECT writes
 * each column as core's CSV rules want it (report.ts: formula-injection guard, resources joined
 * with "; ", times without fractions) and COPY quotes by RFC 4180. Two things COPY cannot do are
 * finished by `finishReportCsv`: rows end in CRLF, and a newline inside a value stays a newline.
 * For that the SELECT writes a value's newline as ESC "," and ESC as ESC ESC (ESC = U+001E): the
 * comma makes COPY quote the value as it would quote a newline, so every LF COPY writes ends a row.
 *
 * PGlite cannot stream COPY: it reads the same columns in keyset pages and quotes them as COPY
 * does (`copyCsvLine`), so both databases write the same bytes.
 *
 * JSON columns are Postgres's own jsonb text (`{"a": 1, "b": [2]}`): compacting them row by row
 * would cost more than the rest of the row.
 */
import { CSV_FORMULA_LEADS, type EventFilter } from "@activity-log/core";
import type { Database } from "./client.ts";
import { buildWhere, type EventKey, type KeyRange, rangeCondition } from "./events.ts";
import { nativeQuery } from "./rows.ts";

const ESC = "\u001e";
/** An escape in COPY's text: ESC "," (a newline) or ESC ESC (ESC itself). */
const ESCAPED = new RegExp(`${ESC}([${ESC},])`, "g");
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const FORMULA_LEAD_CODES = CSV_FORMULA_LEADS.map((c) => c.charCodeAt(0)).join(", ");

/**
 * A free-text value as a CSV cell before quoting: newline escaped, a formula neutralised, and
 * (`mayBeEmpty`) an empty string as NULL, which COPY writes bare ("" otherwise).
 */
function cell(x: string, mayBeEmpty = true): string {
  // The guard reads the value's first character as a number (no text is built for it) before
  // escaping, which never changes a formula lead; only the chosen branch escapes the value.
  const escaped = `replace(replace(${x}, E'\\x1e', E'\\x1e\\x1e'), E'\\n', E'\\x1e,')`;
  const guarded = `case when ascii(${x}) in (${FORMULA_LEAD_CODES}) then '''' || ${escaped} else ${escaped} end`;
  return mayBeEmpty ? `nullif(${guarded}, '')` : guarded;
}

/** Resources' names (or types) joined with "; " in array order; a missing one is an empty string, as Array#join writes it. */
function joined(key: "name" | "type"): string {
  return `case when resources is null then null
    when jsonb_array_length(resources) = 1 then coalesce(resources->0->>'${key}', '')
    else (select string_agg(coalesce(r->>'${key}', ''), '; ' order by n) from jsonb_array_elements(resources) with ordinality as e(r, n)) end`;
}

/**
 * The CSV columns (core's CSV_COLUMNS, in order). Every free-text value goes through `cell`; the
 * event's name, id and type are plain: ingest admits only letters, digits and `._:-` there
 * (core's IngestEventSchema), nothing a cell has to guard. Required values are never empty.
 */
function csvColumns(region: string): string[] {
  return [
    `to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
    "event_name",
    cell("user_name", false),
    cell("project", false),
    cell("event_source", false),
    `case when read_only then 'true' else 'false' end`,
    cell("error_code"),
    cell("error_message"),
    cell("source_ip"),
    cell("user_agent"),
    cell(joined("name")),
    cell(joined("type")),
    cell("access_key_id"),
    "event_id",
    cell("request_id"),
    "event_type",
    // A constant: the planner folds it once.
    cell(`${sqlString(region)}::text`),
    // jsonb text has no raw newline (JSON escapes it) and starts with "{".
    `request_parameters::text`,
    `response_elements::text`,
  ];
}

export interface ReportCsvQuery {
  accountId: string;
  filter: EventFilter;
  window: { start: Date; end: Date };
  region: string;
  range?: KeyRange;
}

/**
 * The COPY statement of a report's rows (or of one key range of them), newest first. COPY takes
 * no bind parameters: the filter's values are written as string literals (standard_conforming_strings,
 * so only the quote needs doubling; NUL never reaches here, ingest and the filters refuse it).
 */
export function reportCsvCopySql(q: ReportCsvQuery): string {
  const { where: base, params } = buildWhere(q);
  const where = base + rangeCondition(q.range, params);
  const inlined = where.replace(/\$(\d+)/g, (_, n: string) => sqlString(String(params[Number(n) - 1])));
  return `copy (select ${csvColumns(q.region).join(",\n    ")}
    from events where ${inlined} order by event_time desc, event_id desc) to stdout (format csv)`;
}

/** One CSV row as COPY writes it (LF-terminated, still escaped): quoted when it holds `,` `"` CR or LF, or is empty. */
export function copyCsvLine(values: readonly (string | null)[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) line += ",";
    if (v === null) continue;
    line += v === "" || NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  }
  return `${line}\n`;
}
const NEEDS_QUOTES = /[",\r\n]/;

/** COPY's text (whole rows) as the report's bytes: CRLF row ends, newlines inside values restored; and its row count. */
export function finishReportCsv(copied: string): { text: string; rows: number } {
  const crlf = copied.replaceAll("\n", "\r\n");
  // Every LF COPY writes ends a row (a value's own newlines are escaped), and each became two characters.
  const rows = crlf.length - copied.length;
  const text = crlf.includes(ESC) ? crlf.replace(ESCAPED, (_, c: string) => (c === "," ? "\n" : ESC)) : crlf;
  return { text, rows };
}

/**
 * PGlite's path: the same columns in keyset pages of `limit` rows after `after`, each row as
 * copyCsvLine writes it, with the key of the page's last row.
 */
export async function reportCsvPage(
  database: Database,
  q: ReportCsvQuery & { after?: EventKey; limit: number },
): Promise<{ text: string; rows: number; last?: EventKey }> {
  const { where: base, params } = buildWhere(q);
  const where = base + rangeCondition(q.after ? { after: q.after } : undefined, params);
  const columns = csvColumns(q.region);
  const rows = await nativeQuery<Record<string, string | null>>(
    database,
    `select to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k_time, event_id as k_id,
       ${columns.map((c, i) => `${c} as c${i}`).join(",\n       ")}
     from events where ${where} order by event_time desc, event_id desc limit ${Math.max(1, Math.floor(q.limit))}`,
    params,
  );
  let text = "";
  for (const r of rows) text += copyCsvLine(columns.map((_, i) => r[`c${i}`] ?? null));
  const tail = rows[rows.length - 1];
  return { text, rows: rows.length, ...(tail ? { last: { time: tail.k_time!, id: tail.k_id! } } : {}) };
}
