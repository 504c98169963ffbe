// Reports: lifecycle, slot rules (stored / generating quotas), and row rendering
// for CSV (RFC 4180, formula-injection safe) and JSON ({"Records":[...]}), streamed row by row.
import { DomainError } from "./errors.ts";
import { formatEventTime, toCloudTrailRecord, type StoredEvent } from "./event.ts";
import type { Quotas } from "./limits.ts";
import { HOUR_MS, SECOND_MS } from "./time.ts";

export const REPORT_STATUSES = ["queued", "generating", "ready", "failed", "expired"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const REPORT_FORMATS = ["csv", "json"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json",
};

/**
 * A generating report's worker renews its claim this often, on a timer of its own (so a slow query
 * or a slow upload never looks like a dead worker)…
 */
export const REPORT_HEARTBEAT_EVERY_MS = 5 * SECOND_MS;
/** …and a report whose claim was not renewed for this long (three missed beats) is taken over by another worker. */
export const REPORT_HEARTBEAT_STALE_MS = 15 * SECOND_MS;

const TRANSITIONS: Readonly<Record<ReportStatus, readonly ReportStatus[]>> = {
  queued: ["generating", "failed", "expired"],
  generating: ["ready", "failed"],
  ready: ["expired"],
  failed: ["expired"],
  expired: [],
};

/** queued → generating → ready | failed → expired (expired also covers replaced and deleted). */
export function canTransition(from: ReportStatus, to: ReportStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isReportActive(status: ReportStatus): boolean {
  return status === "queued" || status === "generating";
}

export function isReportFinished(status: ReportStatus): boolean {
  return status === "ready" || status === "failed";
}

export type ReportSlotInfo = { id: string; status: ReportStatus; createdAt: Date; finishedAt: Date | null };

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Decides whether a new report may start and which finished reports it replaces.
 * Generating slots are never freed by replacement: the caller must wait.
 */
export function planNewReport(existing: readonly ReportSlotInfo[], quotas: Quotas): { replace: string[] } {
  const active = existing.filter((r) => isReportActive(r.status)).length;
  if (active >= quotas.reportsGenerating)
    throw new DomainError(
      "ReportLimitExceededException",
      `${plural(active, "report is", "reports are")} already being generated (the limit is ${quotas.reportsGenerating}). Wait until one finishes.`,
    );
  const stored = existing.filter((r) => r.status !== "expired");
  const need = stored.length + 1 - quotas.reportsStored;
  if (need <= 0) return { replace: [] };
  const finished = stored
    .filter((r) => isReportFinished(r.status))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (finished.length < need)
    throw new DomainError(
      "ReportLimitExceededException",
      `${plural(stored.length, "report is", "reports are")} stored (the limit is ${quotas.reportsStored}) and none can be replaced until one finishes. Wait, or delete a report.`,
    );
  return { replace: finished.slice(0, need).map((r) => r.id) };
}

export function reportExpiresAt(createdAt: Date, quotas: Quotas): Date {
  return new Date(createdAt.getTime() + quotas.reportTtlHours * HOUR_MS);
}

// ---- CSV ----

/** Byte-order mark so spreadsheets read the file as UTF-8. */
export const CSV_BOM = "\uFEFF";
export const CSV_EOL = "\r\n";

export const CSV_COLUMNS = [
  "eventTime",
  "eventName",
  "userName",
  "project",
  "eventSource",
  "readOnly",
  "errorCode",
  "errorMessage",
  "sourceIPAddress",
  "userAgent",
  "resources",
  "resourceTypes",
  "accessKeyId",
  "eventId",
  "requestId",
  "eventType",
  "awsRegion",
  "requestParameters",
  "responseElements",
] as const;

const NEEDS_QUOTES = /[",\r\n]/;

/** First characters that make a spreadsheet run a value as a formula: csvField (and the SQL that renders reports) prefix `'`. */
export const CSV_FORMULA_LEADS = ["=", "+", "-", "@", "\t", "\r"] as const;

/**
 * One CSV field. Values a spreadsheet would run as a formula (leading = + - @ TAB CR) get a
 * leading apostrophe, which spreadsheets show as text; then RFC 4180 quoting (quote fields with
 * `"`, `,`, CR or LF; double inner quotes). Hand-written: csv-stringify/sync measured ~3.6x slower (240k vs 860k rows/s).
 * The first character is checked by code (no regex): this runs 19 times per report row.
 */
export function csvField(value: string): string {
  const c = value.charCodeAt(0); // NaN for ""
  const v = c === 61 /* = */ || c === 43 /* + */ || c === 45 /* - */ || c === 64 /* @ */ || c === 9 /* TAB */ || c === 13 /* CR */ ? `'${value}` : value;
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvHeaderLine(): string {
  return CSV_COLUMNS.join(",") + CSV_EOL;
}

const json = (o: Record<string, unknown> | null) => (o === null ? "" : JSON.stringify(o));

/**
 * A report row as the report stream reads it: the stored event without what reports never show,
 * and its JSON columns already serialised — compact JSON text exactly as `JSON.stringify` writes
 * it, or null — so rows are not parsed only to be serialised again.
 */
export type SerializedReportEvent = Omit<StoredEvent, "requestParameters" | "responseElements" | "additionalEventData" | "resourceIds" | "searchText"> & {
  requestParametersJson: string | null;
  responseElementsJson: string | null;
  additionalEventDataJson: string | null;
};

/** A stored event as a report row (JSON columns serialised here). */
export function toSerializedReportEvent(e: StoredEvent): SerializedReportEvent {
  return {
    eventId: e.eventId,
    accountId: e.accountId,
    project: e.project,
    eventTime: e.eventTime,
    eventName: e.eventName,
    eventType: e.eventType,
    eventSource: e.eventSource,
    readOnly: e.readOnly,
    userName: e.userName,
    accessKeyId: e.accessKeyId,
    sourceIp: e.sourceIp,
    userAgent: e.userAgent,
    requestId: e.requestId,
    errorCode: e.errorCode,
    errorMessage: e.errorMessage,
    requestParametersJson: e.requestParameters === null ? null : JSON.stringify(e.requestParameters),
    responseElementsJson: e.responseElements === null ? null : JSON.stringify(e.responseElements),
    additionalEventDataJson: e.additionalEventData === null ? null : JSON.stringify(e.additionalEventData),
    resources: e.resources,
  };
}

/**
 * One row in CSV_COLUMNS order, ending with CRLF. Resources: names and types "; "-joined, same order.
 * The rule a report's CSV follows; reports are rendered by Postgres to the same rule (api
 * db/report-csv.ts, whose test holds the two together), their JSON columns as Postgres writes jsonb.
 */
export function csvLine(e: StoredEvent, region: string): string {
  return csvRow(e, region, json(e.requestParameters), json(e.responseElements));
}

function csvRow(e: StoredEvent, region: string, requestParameters: string, responseElements: string): string {
  let names = "";
  let types = "";
  const resources = e.resources;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    // As Array#join: a missing name or type is an empty string.
    names += i === 0 ? (r.name ?? "") : `; ${r.name ?? ""}`;
    types += i === 0 ? (r.type ?? "") : `; ${r.type ?? ""}`;
  }
  return (
    csvField(formatEventTime(e.eventTime)) +
    "," +
    csvField(e.eventName) +
    "," +
    csvField(e.userName) +
    "," +
    csvField(e.project) +
    "," +
    csvField(e.eventSource) +
    "," +
    (e.readOnly ? "true" : "false") +
    "," +
    csvField(e.errorCode ?? "") +
    "," +
    csvField(e.errorMessage ?? "") +
    "," +
    csvField(e.sourceIp ?? "") +
    "," +
    csvField(e.userAgent ?? "") +
    "," +
    csvField(names) +
    "," +
    csvField(types) +
    "," +
    csvField(e.accessKeyId ?? "") +
    "," +
    csvField(e.eventId) +
    "," +
    csvField(e.requestId ?? "") +
    "," +
    csvField(e.eventType) +
    "," +
    csvField(region) +
    "," +
    csvField(requestParameters) +
    "," +
    csvField(responseElements) +
    CSV_EOL
  );
}

// ---- JSON ----

export const jsonReportOpen = '{"Records":[\n';
export const jsonReportClose = "\n]}\n";

/** One record of the Records array; `first` omits the separating comma. */
export function jsonReportRecord(e: StoredEvent, region: string, first: boolean): string {
  return (first ? "" : ",\n") + JSON.stringify(toCloudTrailRecord(e, region));
}

const RAW_MARK = {
  requestParameters: "\u0001requestParameters",
  responseElements: "\u0001responseElements",
  additionalEventData: "\u0001additionalEventData",
} as const;

/**
 * jsonReportRecord for a row whose JSON columns are already serialised: the same record and bytes.
 * The record is built by toCloudTrailRecord with a marker string in each JSON column, then each
 * marker is replaced by the column's text. `"<key>":"\u0001<key>"` can only be the marker itself:
 * in any other string value a quote is written escaped, and the keys before these are fixed.
 */
export function jsonReportRecordSerialized(e: SerializedReportEvent, region: string, first: boolean): string {
  const { requestParametersJson, responseElementsJson, additionalEventDataJson, ...rest } = e;
  const marked = {
    ...rest,
    requestParameters: requestParametersJson === null ? null : RAW_MARK.requestParameters,
    responseElements: responseElementsJson === null ? null : RAW_MARK.responseElements,
    additionalEventData: additionalEventDataJson === null ? null : RAW_MARK.additionalEventData,
  } as unknown as StoredEvent;
  let text = JSON.stringify(toCloudTrailRecord(marked, region));
  if (requestParametersJson !== null) text = spliceRaw(text, "requestParameters", requestParametersJson);
  if (responseElementsJson !== null) text = spliceRaw(text, "responseElements", responseElementsJson);
  if (additionalEventDataJson !== null) text = spliceRaw(text, "additionalEventData", additionalEventDataJson);
  return (first ? "" : ",\n") + text;
}

function spliceRaw(text: string, key: keyof typeof RAW_MARK, raw: string): string {
  const marker = `"${key}":${JSON.stringify(RAW_MARK[key])}`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`report record: no ${key} marker`);
  return `${text.slice(0, at + key.length + 3)}${raw}${text.slice(at + marker.length)}`;
}

export function reportFileName(id: string, format: ReportFormat, createdAt: Date): string {
  const t = formatEventTime(createdAt).replace(/[-:]/g, "");
  return `activity-log-${t}-${id}.${format}`;
}
