import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accountIdColumn } from "./iam.ts";

export const reports = pgTable(
  "reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: accountIdColumn(),
    createdBy: text("created_by").notNull(),
    format: text("format", { enum: ["csv", "json"] }).notNull(),
    /** The console filter the report was asked for (core EventFilter), and its resolved time window. */
    filter: jsonb("filter").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    windowEnd: timestamp("window_end", { withTimezone: true }).notNull(),
    status: text("status", { enum: ["queued", "generating", "ready", "failed", "expired"] })
      .notNull()
      .default("queued"),
    rowsDone: bigint("rows_done", { mode: "number" }).notNull().default(0),
    rowsEstimated: bigint("rows_estimated", { mode: "number" }),
    /** The stored object's size (gzip-compressed). */
    bytes: bigint("bytes", { mode: "number" }),
    /** The file's size as the user downloads it (uncompressed CSV/JSON); null for reports made before it was kept. */
    contentBytes: bigint("content_bytes", { mode: "number" }),
    objectKey: text("object_key"),
    error: text("error"),
    claimedBy: text("claimed_by"),
    /** Where a report being built can resume after its worker died (the worker's ReportCheckpoint), or null. */
    checkpoint: jsonb("checkpoint"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("reports_account_status").on(t.accountId, t.status), index("reports_status_created").on(t.status, t.createdAt)],
);
