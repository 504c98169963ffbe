CREATE TABLE "rule_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" text NOT NULL,
	"rule_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"event_name" text NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"test" boolean DEFAULT false NOT NULL,
	"body" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"response_code" integer,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" text NOT NULL,
	"name" text NOT NULL,
	"filter" jsonb NOT NULL,
	"url" text NOT NULL,
	"secret_sealed" text NOT NULL,
	"secret_hint" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"match_cursor" text NOT NULL,
	"paused_since" timestamp with time zone,
	"last_pause_from" timestamp with time zone,
	"last_pause_to" timestamp with time zone,
	"failing_since" timestamp with time zone,
	"last_delivery_at" timestamp with time zone,
	"last_delivery_status" text,
	"last_delivery_code" integer,
	"last_error_at" timestamp with time zone,
	"last_error_message" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rule_deliveries" ADD CONSTRAINT "rule_deliveries_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_deliveries" ADD CONSTRAINT "rule_deliveries_rule_id_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rules" ADD CONSTRAINT "rules_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rule_deliveries_rule_event" ON "rule_deliveries" USING btree ("rule_id","event_id");--> statement-breakpoint
CREATE INDEX "rule_deliveries_due" ON "rule_deliveries" USING btree ("next_attempt_at") WHERE "rule_deliveries"."status" in ('pending', 'retrying');--> statement-breakpoint
CREATE INDEX "rule_deliveries_log" ON "rule_deliveries" USING btree ("rule_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "rules_account_name" ON "rules" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "rules_enabled" ON "rules" USING btree ("enabled");