-- Accounts get 12-digit ids (what AWS tooling sees) and keep their name as their alias. An existing
-- account gets a random unused id; every row that names it (tenant tables, stored events, rollups)
-- is moved to the id in the same transaction. Archives and digests already in buckets keep the keys
-- they were written under. Sign-in throttle keys hash the alias the user typed, which is the old
-- name: they stay valid.
ALTER TABLE "accounts" ADD COLUMN "alias" text;--> statement-breakpoint
UPDATE "accounts" SET "alias" = "id";--> statement-breakpoint
DO $$
DECLARE
  old_id text;
  new_id text;
BEGIN
  FOR old_id IN SELECT "id" FROM "accounts" WHERE "id" !~ '^[0-9]{12}$' ORDER BY "id" LOOP
    LOOP
      new_id := lpad(floor(random() * 1e12)::bigint::text, 12, '0');
      EXIT WHEN NOT EXISTS (SELECT 1 FROM "accounts" WHERE "id" = new_id);
    END LOOP;
    INSERT INTO "accounts" ("id", "alias", "created_at") SELECT new_id, "alias", "created_at" FROM "accounts" WHERE "id" = old_id;
    UPDATE "projects" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "users" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "group_members" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "access_keys" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "sessions" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "quotas" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "subscriptions" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "trails" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "reports" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "events" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "event_rollups" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "event_ids" SET "account_id" = new_id WHERE "account_id" = old_id;
    UPDATE "local_buckets" SET "account_id" = new_id WHERE "account_id" = old_id;
    DELETE FROM "accounts" WHERE "id" = old_id;
  END LOOP;
END $$;--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "alias" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_alias" ON "accounts" USING btree ("alias");
