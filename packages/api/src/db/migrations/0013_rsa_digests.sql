CREATE TABLE "signing_keys" (
	"fingerprint" text PRIMARY KEY NOT NULL,
	"region" text NOT NULL,
	"public_key_der" text NOT NULL,
	"private_key_sealed" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "trail_deliveries" ADD COLUMN "content_sha256" text;--> statement-breakpoint
ALTER TABLE "trail_deliveries" ADD COLUMN "oldest_event_time" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "trail_deliveries" ADD COLUMN "newest_event_time" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "trail_digests" ADD COLUMN "bucket" text;--> statement-breakpoint
ALTER TABLE "trail_digests" ADD COLUMN "signature" text;--> statement-breakpoint
ALTER TABLE "trails" ADD COLUMN "latest_digest_error" text;--> statement-breakpoint
ALTER TABLE "trails" ADD COLUMN "log_file_validation" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_current" ON "signing_keys" USING btree ("region") WHERE "signing_keys"."valid_to" is null;--> statement-breakpoint
CREATE INDEX "signing_keys_region" ON "signing_keys" USING btree ("region","valid_from");--> statement-breakpoint
-- Trails made before EnableLogFileValidation was honoured all wrote digests: they keep doing so.
UPDATE "trails" SET "log_file_validation" = true;
