import type { TrailTag } from "@activity-log/core";
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accountIdColumn } from "./iam.ts";

export const trails = pgTable(
  "trails",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: accountIdColumn(),
    name: text("name").notNull(),
    region: text("region").notNull(),
    /** The project that holds the bucket; deliveries use `accessKeyId` (a key of that project). */
    project: text("project").notNull(),
    bucket: text("bucket").notNull(),
    prefix: text("prefix").notNull().default(""),
    accessKeyId: text("access_key_id").notNull(),
    isLogging: boolean("is_logging").notNull().default(false),
    readWriteType: text("read_write_type", { enum: ["All", "ReadOnly", "WriteOnly"] })
      .notNull()
      .default("All"),
    includeManagementEvents: boolean("include_management_events").notNull().default(true),
    /** Stored and shown as set: the service has one region, so neither flag changes what is saved. */
    isMultiRegionTrail: boolean("is_multi_region_trail").notNull().default(false),
    includeGlobalServiceEvents: boolean("include_global_service_events").notNull().default(true),
    /** AddTags / RemoveTags / CreateTrail's TagsList, in order of first appearance (at most 50). */
    tags: jsonb("tags").$type<TrailTag[]>().notNull().default([]),
    startLoggingTime: timestamp("start_logging_time", { withTimezone: true }),
    stopLoggingTime: timestamp("stop_logging_time", { withTimezone: true }),
    latestDeliveryTime: timestamp("latest_delivery_time", { withTimezone: true }),
    latestDeliveryAttemptTime: timestamp("latest_delivery_attempt_time", { withTimezone: true }),
    latestDeliveryError: text("latest_delivery_error"),
    latestDigestTime: timestamp("latest_digest_time", { withTimezone: true }),
    /** Why the last attempt to write a digest failed; cleared by the next digest written. */
    latestDigestError: text("latest_digest_error"),
    /** EnableLogFileValidation: hourly signed digests (worker/digests.ts). */
    logFileValidation: boolean("log_file_validation").notNull().default(false),
    /** Consecutive failed attempts, for backoff. */
    failureCount: integer("failure_count").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    /** The start of the next 5-minute window this trail has to deliver (its cursor). */
    nextWindowStart: timestamp("next_window_start", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("trails_account_name").on(t.accountId, t.name)],
);

/** One row per window of a trail: delivered, empty, or skipped (subscription inactive / not logging). */
export const trailDeliveries = pgTable(
  "trail_deliveries",
  {
    trailId: uuid("trail_id")
      .notNull()
      .references(() => trails.id, { onDelete: "cascade" }),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    status: text("status", { enum: ["pending", "delivered", "empty", "skipped"] }).notNull(),
    /** Why a window was skipped (e.g. "subscription inactive"). */
    reason: text("reason"),
    objectKey: text("object_key"),
    eventCount: integer("event_count").notNull().default(0),
    sha256: text("sha256"),
    bytes: bigint("bytes", { mode: "number" }),
    /** SHA-256 (hex) of the decompressed archive (the tar), as CloudTrail digests list it. */
    contentSha256: text("content_sha256"),
    oldestEventTime: timestamp("oldest_event_time", { withTimezone: true }),
    newestEventTime: timestamp("newest_event_time", { withTimezone: true }),
    /** Visibility horizon captured when the window's content was fixed (see worker/trails.ts). */
    horizonFrom: text("horizon_from"),
    horizonTo: text("horizon_to"),
    /** Lower bound of event_time the window's content considers (chain start or retention; see worker/trails.ts). */
    eventsFrom: timestamp("events_from", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.trailId, t.windowStart] }), index("trail_deliveries_status").on(t.status)],
);

/**
 * One row per hourly digest file written for a trail (see worker/digests.ts): its key, the sha256 of
 * its decompressed JSON and its signature, which the next hour's digest chains to. Recorded after
 * the upload; a crash before the record re-renders the same bytes (the inputs are settled, and
 * PKCS#1 v1.5 signatures are deterministic) and overwrites the same key. Rows without a signature
 * are of the first, HMAC-signed format: the next digest starts a new chain.
 */
export const trailDigests = pgTable(
  "trail_digests",
  {
    trailId: uuid("trail_id")
      .notNull()
      .references(() => trails.id, { onDelete: "cascade" }),
    hourStart: timestamp("hour_start", { withTimezone: true }).notNull(),
    objectKey: text("object_key").notNull(),
    sha256: text("sha256").notNull(),
    archiveCount: integer("archive_count").notNull(),
    /** The bucket it was written to (a trail may move; the next digest names this one). */
    bucket: text("bucket"),
    signature: text("signature"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trailId, t.hourStart] })],
);

/**
 * Owners of the buckets of the embedded object store (no S3_ENDPOINT): a bucket belongs to one
 * project of one account, and only that project's keys may write into it, as on a real S3 endpoint.
 * Unused with S3_ENDPOINT, where the endpoint itself knows its buckets' owners.
 */
export const localBuckets = pgTable("local_buckets", {
  name: text("name").primaryKey(),
  accountId: accountIdColumn(),
  project: text("project").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The RSA key pairs digests are signed with, per region (SHA256withRSA, 2048-bit). The private key
 * is sealed with the secret box; the public key (DER PKCS#1) is kept for as long as archives may
 * exist, so ListPublicKeys can answer for any past range. A pair signs from `validFrom` until it is
 * rotated (`validTo` set); at most one pair per region is current.
 */
export const signingKeys = pgTable(
  "signing_keys",
  {
    /** Hex MD5 of the DER public key, as CloudTrail shows it. */
    fingerprint: text("fingerprint").primaryKey(),
    region: text("region").notNull(),
    publicKeyDer: text("public_key_der").notNull(),
    privateKeySealed: text("private_key_sealed").notNull(),
    validFrom: timestamp("valid_from", { withTimezone: true }).notNull(),
    validTo: timestamp("valid_to", { withTimezone: true }),
  },
  (t) => [uniqueIndex("signing_keys_current").on(t.region).where(sql`${t.validTo} is null`), index("signing_keys_region").on(t.region, t.validFrom)],
);
