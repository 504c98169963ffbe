CREATE TABLE "trail_digests" (
	"trail_id" uuid NOT NULL,
	"hour_start" timestamp with time zone NOT NULL,
	"object_key" text NOT NULL,
	"sha256" text NOT NULL,
	"archive_count" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trail_digests_trail_id_hour_start_pk" PRIMARY KEY("trail_id","hour_start")
);
--> statement-breakpoint
ALTER TABLE "trail_digests" ADD CONSTRAINT "trail_digests_trail_id_trails_id_fk" FOREIGN KEY ("trail_id") REFERENCES "public"."trails"("id") ON DELETE cascade ON UPDATE no action;