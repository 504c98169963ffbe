import { boolean, customType, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The events table, declared for typed queries only. It is range-partitioned by day, which
 * Drizzle cannot express, so drizzle-kit never sees this file (see drizzle.config.ts): the table,
 * its indexes and its partition functions live in the custom migration `0001_events.sql`.
 */
const xid8 = customType<{ data: string }>({ dataType: () => "xid8" });

export const events = pgTable("events", {
  accountId: text("account_id").notNull(),
  project: text("project").notNull(),
  eventTime: timestamp("event_time", { withTimezone: true }).notNull(),
  eventId: text("event_id").notNull(),
  eventName: text("event_name").notNull(),
  eventType: text("event_type").notNull(),
  eventSource: text("event_source").notNull(),
  readOnly: boolean("read_only").notNull(),
  userName: text("user_name").notNull(),
  accessKeyId: text("access_key_id"),
  sourceIp: text("source_ip"),
  userAgent: text("user_agent"),
  requestId: text("request_id"),
  errorCode: text("error_code"),
  errorMessage: text("error_message"),
  requestParameters: jsonb("request_parameters"),
  responseElements: jsonb("response_elements"),
  additionalEventData: jsonb("additional_event_data"),
  resources: jsonb("resources").notNull(),
  resourceIds: text("resource_ids").array().notNull(),
  searchText: text("search_text").notNull(),
  /** The inserting transaction's id: lets trail delivery see rows in commit order (worker/trails.ts). */
  ingestXid: xid8("ingest_xid").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
});
