-- Name tokens move into the contact row (bytea[] under a GIN index): one statement writes a contact and its tokens,
-- the tokens follow the row's own RLS policies, and an import no longer pays for eight token rows per contact, each
-- with two foreign-key checks, two index entries and a policy check (bench/imports.ts).
ALTER TABLE "contacts" ADD COLUMN "name_tokens" bytea[] DEFAULT '{}'::bytea[] NOT NULL;
--> statement-breakpoint
UPDATE "contacts" c SET "name_tokens" = t.tokens
  FROM (SELECT contact_id, array_agg(token ORDER BY token) AS tokens FROM "contact_name_tokens" GROUP BY contact_id) t
  WHERE t.contact_id = c.id;
--> statement-breakpoint
DROP TABLE "contact_name_tokens";
--> statement-breakpoint
CREATE INDEX "contacts_name_tokens_idx" ON "contacts" USING gin ("name_tokens");
--> statement-breakpoint
-- Most contacts are neither assigned nor synced: their nulls need no index entries.
DROP INDEX "contacts_assigned_idx";
--> statement-breakpoint
CREATE INDEX "contacts_assigned_idx" ON "contacts" USING btree ("org_id","assigned_to") WHERE "contacts"."assigned_to" is not null;
--> statement-breakpoint
DROP INDEX "contacts_synced_idx";
--> statement-breakpoint
CREATE INDEX "contacts_synced_idx" ON "contacts" USING btree ("synced_by","org_id") WHERE "contacts"."synced_by" is not null;
