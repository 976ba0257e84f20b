-- Incidents are platform records: staff write them in the system scope only. A campaign's owners and admins (and
-- support under a live grant) read the incidents that affect their campaign, with their timeline; owners acknowledge
-- for their campaign and nothing else. Function calls are wrapped in scalar subqueries (see 0011).
GRANT SELECT, INSERT, UPDATE ON incidents, incident_entries TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON incident_campaigns TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (notified_at, acknowledged_at, acknowledged_by) ON incident_campaigns TO rampart_app;
--> statement-breakpoint
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE incident_entries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE incident_entries FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE incident_campaigns ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE incident_campaigns FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY incidents_system ON incidents USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
CREATE POLICY incident_entries_system ON incident_entries USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
CREATE POLICY incident_campaigns_system ON incident_campaigns USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
CREATE POLICY incident_campaigns_read ON incident_campaigns FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_reader(app_current_org_id())));
--> statement-breakpoint
-- An owner acknowledges once, in their own name, for the campaign they are working in.
CREATE POLICY incident_campaigns_acknowledge ON incident_campaigns FOR UPDATE
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_owner(app_current_org_id())) AND acknowledged_at IS NULL)
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_owner(app_current_org_id()))
    AND acknowledged_at IS NOT NULL AND acknowledged_by = (SELECT app_current_user_id()));
--> statement-breakpoint
CREATE POLICY incidents_affected_read ON incidents FOR SELECT
  USING (EXISTS (SELECT 1 FROM incident_campaigns ic WHERE ic.incident_id = incidents.id AND ic.org_id = (SELECT app_current_org_id())
    AND (SELECT app_org_reader(app_current_org_id()))));
--> statement-breakpoint
CREATE POLICY incident_entries_affected_read ON incident_entries FOR SELECT
  USING (EXISTS (SELECT 1 FROM incident_campaigns ic WHERE ic.incident_id = incident_entries.incident_id AND ic.org_id = (SELECT app_current_org_id())
    AND (SELECT app_org_reader(app_current_org_id()))));
--> statement-breakpoint
-- Policy read receipts belong to their person; the owners' mailing record is written by the background chore alone.
GRANT SELECT, INSERT ON policy_read_receipts, policy_owner_mailings TO rampart_app;
--> statement-breakpoint
ALTER TABLE policy_read_receipts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE policy_read_receipts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE policy_owner_mailings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE policy_owner_mailings FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY policy_read_receipts_own ON policy_read_receipts
  USING (user_id = (SELECT app_current_user_id())) WITH CHECK (user_id = (SELECT app_current_user_id()));
--> statement-breakpoint
CREATE POLICY policy_read_receipts_system ON policy_read_receipts USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
CREATE POLICY policy_owner_mailings_system ON policy_owner_mailings USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
