-- memberships_read with its function calls wrapped in scalar subqueries, as 0011 did for the audit policies: PostgreSQL
-- evaluates each once per statement (an InitPlan) instead of inlining them into every plan and calling them while it
-- estimates, which made planning a tenant read of memberships (the feed's names, every member list) cost several times
-- its execution. Same rule as 0010: app_org_reader(org_id) reads as app_org_reader(app_current_org_id()), which is the
-- same wherever the first condition holds.
ALTER POLICY memberships_read ON memberships
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_reader(app_current_org_id())) OR role IN ('owner', 'admin')));
