ALTER TABLE "trails" ADD COLUMN "is_multi_region_trail" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "trails" ADD COLUMN "include_global_service_events" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "trails" ADD COLUMN "tags" jsonb DEFAULT '[]'::jsonb NOT NULL;