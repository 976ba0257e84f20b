-- The audit policies with every function call wrapped in a scalar subquery: PostgreSQL then evaluates each once per
-- statement (an InitPlan) instead of once per row. Same rules as 0005 and 0010; at a million events a feed page that
-- scans far back goes from seconds to milliseconds (bench/audit.ts). app_org_reader(org_id) reads as
-- app_org_reader(app_current_org_id()), which is the same wherever the first condition holds.
ALTER POLICY audit_events_org_read ON audit_events
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_reader(app_current_org_id())) OR actor_id = (SELECT app_current_user_id())
    OR (target_type = 'user' AND target_id = (SELECT app_current_user_id()::text))));
--> statement-breakpoint
ALTER POLICY audit_events_account_read ON audit_events
  USING (org_id IS NULL AND (actor_id = (SELECT app_current_user_id()) OR (target_type = 'user' AND target_id = (SELECT app_current_user_id()::text))));
--> statement-breakpoint
ALTER POLICY audit_events_system_read ON audit_events
  USING ((SELECT app_audit_system_scope()));
--> statement-breakpoint
ALTER POLICY audit_events_append ON audit_events
  WITH CHECK (org_id IS NULL OR org_id = (SELECT app_current_org_id()));
--> statement-breakpoint
ALTER POLICY audit_chain_heads_access ON audit_chain_heads
  USING (org_id IS NULL OR org_id = (SELECT app_current_org_id()) OR (SELECT app_audit_system_scope()))
  WITH CHECK (org_id IS NULL OR org_id = (SELECT app_current_org_id()));
--> statement-breakpoint
ALTER POLICY audit_archives_read ON audit_archives
  USING (org_id = (SELECT app_current_org_id()) OR (SELECT app_audit_system_scope()));
--> statement-breakpoint
ALTER POLICY audit_archives_record ON audit_archives
  WITH CHECK (org_id = (SELECT app_current_org_id()) OR (org_id IS NULL AND (SELECT app_audit_system_scope())));
