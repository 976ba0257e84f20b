ALTER TABLE "contacts" ADD COLUMN "import_id" uuid;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "import_row" integer;--> statement-breakpoint
CREATE INDEX "contacts_import_idx" ON "contacts" USING btree ("org_id","import_id","import_row") WHERE "contacts"."import_id" is not null;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_import_row" CHECK (("contacts"."import_id" is null) = ("contacts"."import_row" is null));--> statement-breakpoint
-- The contacts an import created are known by the contact itself from now on: existing history rows of created
-- contacts move onto their contact (same import, same row; their written_at is the contact's created_at, the
-- transaction that wrote both) and leave import_rows. A row a rollback kept stays, for the import's detail page.
UPDATE "contacts" AS c SET "import_id" = r."import_id", "import_row" = r."row_number"
  FROM "import_rows" AS r
  WHERE r."contact_id" = c."id" AND r."outcome" = 'created' AND c."import_id" IS NULL;
--> statement-breakpoint
DELETE FROM "import_rows" AS r
  USING "contacts" AS c
  WHERE r."contact_id" = c."id" AND c."import_id" = r."import_id" AND c."import_row" = r."row_number" AND r."outcome" = 'created' AND NOT r."kept_at_rollback";
