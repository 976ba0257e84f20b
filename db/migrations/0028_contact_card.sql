-- Contacts seal their reach-out fields (name, email, phone, address) together as one value per row in "card" (lib/contacts/sealed.ts).
-- Rows written before keep them one per column until the pack job (lib/crypto/pack.ts) moves them; a row holds one form or the other.
ALTER TABLE "contacts" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "card" "bytea";--> statement-breakpoint
CREATE INDEX "contacts_per_column_idx" ON "contacts" USING btree ("org_id","id") WHERE "contacts"."card" is null;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_card_or_columns" CHECK (("contacts"."card" is not null and "contacts"."name" is null and "contacts"."email" is null and "contacts"."phone" is null and "contacts"."address" is null) or ("contacts"."card" is null and "contacts"."name" is not null));