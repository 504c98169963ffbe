import type { RuleFilter } from "@activity-log/core";
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accountIdColumn } from "./iam.ts";

/**
 * Event rules (issue 17): a filter, a webhook URL and a signing secret per rule. `match_cursor` is
 * the rule's horizon (an xid8 as text): every event with ingest_xid below it has been matched
 * against the rule, none at or above it (worker/rules.ts explains why that is exactly once).
 */
export const rules = pgTable(
  "rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: accountIdColumn(),
    name: text("name").notNull(),
    filter: jsonb("filter").$type<RuleFilter>().notNull(),
    url: text("url").notNull(),
    /** The `whsec_…` secret sealed with the secret box (SECRET_KEY); `secret_hint` its last 4 characters. */
    secretSealed: text("secret_sealed").notNull(),
    secretHint: text("secret_hint").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    disabledReason: text("disabled_reason"),
    matchCursor: text("match_cursor").notNull(),
    /** Set while the subscription is inactive: events from then on are skipped, not delivered later. */
    pausedSince: timestamp("paused_since", { withTimezone: true }),
    /** The last gap, once the subscription is active again. */
    lastPauseFrom: timestamp("last_pause_from", { withTimezone: true }),
    lastPauseTo: timestamp("last_pause_to", { withTimezone: true }),
    /** The first failed attempt since the last success; 24 h of failing disables the rule. */
    failingSince: timestamp("failing_since", { withTimezone: true }),
    lastDeliveryAt: timestamp("last_delivery_at", { withTimezone: true }),
    lastDeliveryStatus: text("last_delivery_status"),
    lastDeliveryCode: integer("last_delivery_code"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    lastErrorMessage: text("last_error_message"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex("rules_account_name").on(t.accountId, t.name), index("rules_enabled").on(t.enabled)],
);

/**
 * One row per (rule, event): inserted by the matcher in the transaction that moves the rule's
 * cursor, so a matching event gets exactly one; then sent, retried and finished by the sender.
 * `body` is the exact JSON POSTed (the same bytes on every attempt); `lease_until` keeps a
 * delivery in flight from being sent by another worker.
 */
export const ruleDeliveries = pgTable(
  "rule_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: accountIdColumn(),
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => rules.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    eventName: text("event_name").notNull(),
    eventTime: timestamp("event_time", { withTimezone: true }).notNull(),
    test: boolean("test").notNull().default(false),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "retrying", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    responseCode: integer("response_code"),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("rule_deliveries_rule_event").on(t.ruleId, t.eventId),
    index("rule_deliveries_due").on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'retrying')`),
    index("rule_deliveries_log").on(t.ruleId, t.createdAt, t.id),
  ],
);
