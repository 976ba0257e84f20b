-- An import's history row goes with its contact: deleting a contact deletes the before-image an import kept of it.
-- Rows whose contact was deleted before this migration (contact_id set null) lose their before-image now.
ALTER TABLE "import_rows" DROP CONSTRAINT "import_rows_contact_id_contacts_id_fk";
--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
UPDATE "import_rows" SET "before" = NULL WHERE "contact_id" IS NULL AND "before" IS NOT NULL;
