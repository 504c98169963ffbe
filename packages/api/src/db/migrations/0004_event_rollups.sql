CREATE TABLE "event_rollup_state" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"horizon" "xid8" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_rollup_state_one_row" CHECK ("event_rollup_state"."id")
);
--> statement-breakpoint
CREATE TABLE "event_rollups" (
	"account_id" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"read_only" boolean NOT NULL,
	"errors" boolean NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "event_rollups_account_id_bucket_start_read_only_errors_pk" PRIMARY KEY("account_id","bucket_start","read_only","errors")
);
