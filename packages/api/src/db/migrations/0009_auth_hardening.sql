CREATE TABLE "sign_in_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"guesses" integer NOT NULL,
	"strikes" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "local_buckets" (
	"name" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"project" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "local_buckets" ADD CONSTRAINT "local_buckets_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sign_in_throttle_updated" ON "sign_in_throttle" USING btree ("updated_at");--> statement-breakpoint
DROP TABLE "sign_in_failures" CASCADE;--> statement-breakpoint
-- Buckets of the embedded store that trails already deliver into belong to the project of the oldest such trail.
INSERT INTO "local_buckets" ("name", "account_id", "project")
SELECT DISTINCT ON ("bucket") "bucket", "account_id", "project" FROM "trails" ORDER BY "bucket", "created_at"
ON CONFLICT DO NOTHING;
