/**
 * The Reports view over db/reports.ts (slot rules and lifecycle) and the reports bucket. Stored
 * files are gzip-compressed CSV/JSON (`reports/<account>/<id>.<format>.gz`, written by the worker):
 * a browser that accepts gzip gets the bytes as stored (no work, no memory); anyone else gets them
 * decompressed on the fly; `?zip=1` wraps the file in a zip archive, streamed as well.
 */
import { Readable } from "node:stream";
import { type Caller, DomainError, isReportActive, planNewReport, REPORT_CONTENT_TYPES, resolveTimeWindow } from "@activity-log/core";
import JSZip from "jszip";
import { getQuotas } from "../db/iam.ts";
import { deleteReport, getReport, listReports, type ReportRow, requestReport } from "../db/reports.ts";
import type { AppDeps } from "../deps.ts";
import { eventFilterOf, type FilterQuery } from "./validation.ts";
import { type ConsoleFilter, iso, toConsoleFilter } from "./views.ts";

export type ConsoleReport = {
  id: string;
  format: "csv" | "json";
  filter: ConsoleFilter;
  windowStart: string;
  windowEnd: string;
  status: ReportRow["status"];
  /** 0–1 while generating when an estimate exists; 1 when ready; null otherwise. */
  progress: number | null;
  rows: number;
  rowsEstimated: number | null;
  /** The size of the file the user downloads (uncompressed CSV/JSON). */
  bytes: number | null;
  /** The gzip-compressed size (what is stored and sent to a browser that accepts gzip). */
  compressedBytes: number | null;
  error: string | null;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  expiresAt: string;
};

function toConsoleReport(r: ReportRow): ConsoleReport {
  const progress = r.status === "ready" ? 1 : r.status === "generating" && r.rowsEstimated ? Math.min(1, r.rowsDone / Math.max(1, r.rowsEstimated)) : null;
  return {
    id: r.id,
    format: r.format,
    filter: toConsoleFilter((r.filter ?? {}) as Parameters<typeof toConsoleFilter>[0]),
    windowStart: r.windowStart.toISOString(),
    windowEnd: r.windowEnd.toISOString(),
    status: r.status,
    progress,
    rows: r.rowsDone,
    rowsEstimated: r.rowsEstimated,
    bytes: r.contentBytes,
    compressedBytes: r.bytes,
    error: r.error,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    expiresAt: r.expiresAt.toISOString(),
  };
}

/** The reports, the limits, and why a new one would be refused right now (null: it would not). */
export async function listConsoleReports(deps: AppDeps, caller: Caller) {
  const [rows, quotas] = await Promise.all([listReports(deps.database, caller.accountId), getQuotas(deps.database.db, caller.accountId)]);
  const generating = rows.filter((r) => isReportActive(r.status)).length;
  // The same plan createConsoleReport's requestReport makes: what a new report would replace, or why it would be refused.
  let blocker: string | null = null;
  let replaces: string[] = [];
  try {
    replaces = planNewReport(rows, quotas).replace;
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    blocker = e.message;
  }
  return {
    reports: rows.map(toConsoleReport),
    limits: { stored: quotas.reportsStored, generating: quotas.reportsGenerating, ttlHours: quotas.reportTtlHours },
    counts: { stored: rows.length, generating },
    /** A new report replaces the oldest finished one when all stored slots are taken. */
    replacesOldest: rows.length >= quotas.reportsStored,
    /** The ids of the finished reports a new report would replace (oldest first); empty when a slot is free. */
    replaces,
    blocker,
  };
}

export async function createConsoleReport(deps: AppDeps, caller: Caller, input: { format: "csv" | "json"; filter: FilterQuery }): Promise<ConsoleReport> {
  const quotas = await getQuotas(deps.database.db, caller.accountId);
  const now = deps.clock.now();
  const filter = eventFilterOf(input.filter);
  const window = resolveTimeWindow({ start: input.filter.start, end: input.filter.end }, now, quotas.retentionDays);
  const row = await requestReport(deps.database, {
    accountId: caller.accountId,
    createdBy: caller.userName,
    format: input.format,
    filter,
    window: { start: window.start, end: window.end },
    quotas,
    now,
  });
  return toConsoleReport(row);
}

function notFound(id: string): DomainError {
  return new DomainError("ReportNotFoundException", `Report ${id} does not exist. It may have expired, been replaced by a newer report, or been deleted.`);
}

export async function deleteConsoleReport(deps: AppDeps, caller: Caller, id: string): Promise<void> {
  if (!(await deleteReport(deps.database, caller.accountId, id, deps.clock.now()))) throw notFound(id);
}

function fileName(r: ReportRow): string {
  const stamp = r.createdAt.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `activity-log-${r.accountId}-${stamp}.${r.format}`;
}

const gunzip = (body: ReadableStream<Uint8Array>) => body.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);

export async function downloadReport(deps: AppDeps, caller: Caller, id: string, zip: boolean, acceptsGzip: boolean): Promise<Response> {
  const report = await getReport(deps.database, caller.accountId, id);
  if (!report) throw notFound(id);
  if (report.status !== "ready" || !report.objectKey) {
    throw new DomainError("ConflictException", `Report ${id} is ${report.status}; it can be downloaded once it is ready.`);
  }
  const object = await deps.storage.service().get(deps.config.reportsBucket, report.objectKey);
  if (!object) throw notFound(id);
  const name = fileName(report);
  const headers = new Headers({ "cache-control": "private, no-store", "x-content-type-options": "nosniff" });
  if (zip) {
    const archive = new JSZip();
    archive.file(name, Readable.fromWeb(gunzip(object.body) as never), { binary: true });
    const stream = archive.generateNodeStream({ type: "nodebuffer", streamFiles: true, compression: "DEFLATE", compressionOptions: { level: 6 } });
    headers.set("content-type", "application/zip");
    headers.set("content-disposition", `attachment; filename="${name}.zip"`);
    return new Response(Readable.toWeb(stream as unknown as Readable) as unknown as ReadableStream, { headers });
  }
  headers.set("content-type", REPORT_CONTENT_TYPES[report.format]);
  headers.set("content-disposition", `attachment; filename="${name}"`);
  headers.set("vary", "accept-encoding");
  if (acceptsGzip) {
    headers.set("content-encoding", "gzip");
    headers.set("content-length", String(object.size));
    return new Response(object.body, { headers });
  }
  return new Response(gunzip(object.body), { headers });
}
