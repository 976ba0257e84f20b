CREATE TABLE "integration_settings" (
	"org_id" uuid NOT NULL,
	"system" text NOT NULL,
	"codes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"codes_fetched_at" timestamp with time zone,
	"mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_settings_org_id_system_pk" PRIMARY KEY("org_id","system"),
	CONSTRAINT "integration_settings_system" CHECK ("integration_settings"."system" in ('van', 'pdi', 'salsa'))
);
--> statement-breakpoint
CREATE TABLE "integration_syncs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"system" text NOT NULL,
	"report_id" uuid,
	"contact_id" uuid,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "integration_syncs_status" CHECK ("integration_syncs"."status" in ('queued', 'sent', 'skipped', 'failed', 'cancelled')),
	CONSTRAINT "integration_syncs_system" CHECK ("integration_syncs"."system" in ('van', 'pdi', 'salsa'))
);
--> statement-breakpoint
ALTER TABLE "integration_settings" ADD CONSTRAINT "integration_settings_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "integration_syncs" ADD CONSTRAINT "integration_syncs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "integration_syncs" ADD CONSTRAINT "integration_syncs_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "integration_syncs" ADD CONSTRAINT "integration_syncs_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "integration_syncs_due_idx" ON "integration_syncs" USING btree ("org_id","status","next_attempt_at");
--> statement-breakpoint
CREATE INDEX "integration_syncs_contact_idx" ON "integration_syncs" USING btree ("contact_id");
--> statement-breakpoint
CREATE INDEX "integration_syncs_report_idx" ON "integration_syncs" USING btree ("report_id","system");
--> statement-breakpoint
-- Owners and admins of the campaign (and system work) read and change both tables; volunteers and other campaigns
-- see nothing. Function calls sit in scalar subqueries (see 0011).
GRANT SELECT, INSERT, UPDATE, DELETE ON integration_settings TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON integration_syncs TO rampart_app;
--> statement-breakpoint
ALTER TABLE integration_settings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE integration_settings FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE integration_syncs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE integration_syncs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY integration_settings_managers ON integration_settings
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY integration_syncs_managers ON integration_syncs
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
--> statement-breakpoint
-- A completed report on a contact with an external id queues its outcome for every connected system, in the same
-- transaction, whoever completed it (a volunteer may not write these tables, hence SECURITY DEFINER). The rows come
-- from NEW alone: the report's own campaign, its own contact. Drafts are never queued.
CREATE FUNCTION queue_integration_syncs() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE queued integer;
BEGIN
  IF NEW.completed_at IS NULL OR (TG_OP = 'UPDATE' AND OLD.completed_at IS NOT NULL) THEN
    RETURN NEW;
  END IF;
  INSERT INTO integration_syncs (org_id, system, report_id, contact_id)
    SELECT NEW.org_id, s.provider, NEW.id, NEW.contact_id
    FROM integration_secrets s JOIN contacts c ON c.id = NEW.contact_id AND c.org_id = NEW.org_id
    WHERE s.org_id = NEW.org_id AND s.provider IN ('van', 'pdi', 'salsa') AND c.external_id IS NOT NULL;
  GET DIAGNOSTICS queued = ROW_COUNT;
  IF queued > 0 THEN
    INSERT INTO jobs (kind, org_id, dedupe_key, max_attempts)
      VALUES ('integrations.push', NEW.org_id, 'integrations.push:' || NEW.org_id, 3)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION queue_integration_syncs() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER reports_queue_integration_syncs AFTER INSERT OR UPDATE OF completed_at ON reports
  FOR EACH ROW EXECUTE FUNCTION queue_integration_syncs();
