import { sql } from "drizzle-orm";
import { bigint, boolean, check, customType, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/** A 64-bit transaction id (epoch-extended); carried as its decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/**
 * Exact event counts per account, 5-minute UTC bucket (`date_bin('5 minutes', event_time, epoch)`),
 * read/write and error flag: the histogram's pre-aggregation (see db/event-rollups.ts). Holds
 * exactly the events with ingest_xid below `event_rollup_state.horizon`.
 */
export const eventRollups = pgTable(
  "event_rollups",
  {
    accountId: text("account_id").notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    readOnly: boolean("read_only").notNull(),
    /** error_code is not null */
    errors: boolean("errors").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.bucketStart, t.readOnly, t.errors] })],
);

/** One row: the horizon the rollups are complete up to (every event with ingest_xid below it is counted). */
export const eventRollupState = pgTable(
  "event_rollup_state",
  {
    id: boolean("id").primaryKey().default(true),
    horizon: xid8("horizon").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("event_rollup_state_one_row", sql`${t.id}`)],
);
