CREATE TABLE "contact_tags_in_use" (
	"org_id" uuid NOT NULL,
	"tag" text NOT NULL,
	CONSTRAINT "contact_tags_in_use_org_id_tag_pk" PRIMARY KEY("org_id","tag")
);
--> statement-breakpoint
ALTER TABLE "contact_tags_in_use" ADD CONSTRAINT "contact_tags_in_use_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The tag menus' source (lib/contacts/tags-in-use.ts): a tenant table like contact_lists. Managers and the system scope
-- write it (campaign contacts are theirs to write); readers read it.
GRANT SELECT, INSERT, DELETE ON contact_tags_in_use TO rampart_app;
--> statement-breakpoint
ALTER TABLE contact_tags_in_use ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_tags_in_use FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY contact_tags_in_use_read ON contact_tags_in_use FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_system_scope()) OR (SELECT app_org_reader(app_current_org_id()))));
--> statement-breakpoint
CREATE POLICY contact_tags_in_use_add ON contact_tags_in_use FOR INSERT
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND ((SELECT app_system_scope()) OR (SELECT app_org_manager(app_current_org_id()))));
--> statement-breakpoint
CREATE POLICY contact_tags_in_use_remove ON contact_tags_in_use FOR DELETE
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_system_scope()) OR (SELECT app_org_manager(app_current_org_id()))));
--> statement-breakpoint
-- The tags campaign contacts carry today (the migration runs as the owner, outside RLS).
INSERT INTO contact_tags_in_use (org_id, tag)
  SELECT DISTINCT org_id, unnest(tags) FROM contacts WHERE synced_by IS NULL
  ON CONFLICT DO NOTHING;
