-- The reads of a campaign member's request (the guard's standing read, then tenant reads such as the activity feed),
-- made cheaper with the same rules. Measured with bench/http-stack.ts and EXPLAIN (ANALYZE) as the app role.
--
-- 1. Policy function calls wrapped in scalar subqueries, as 0011 and 0023 did: PostgreSQL evaluates each once per
--    statement (an InitPlan) instead of inlining it into the plan and calling it per row. In the policies whose first
--    condition is org_id = app_current_org_id(), the per-campaign role check now takes the campaign from the setting
--    (app.org_id) instead of app_current_org_id(): wherever that first condition holds, app_current_org_id() is that
--    setting, and app_org_reader / app_org_manager check access to their argument themselves (app_org_role calls
--    app_can_access_org), so the rule is the same with one app_can_access_org call fewer per statement.
-- 2. org_lookup_by_slug returns at most one row (slugs are unique); saying so lets the planner join the campaign row
--    by its key, so organizations_visible runs for that row only instead of for every campaign.
-- 3. The guard's standing read as a function (PL/pgSQL, the caller's rights: RLS applies as the app role), so its
--    plan is prepared once per connection instead of planned on every request; the query is the one
--    lib/tenancy/access.ts sent before.
ALTER POLICY organizations_visible ON organizations
  USING ((SELECT app_system_scope()) OR app_can_access_org(id));
--> statement-breakpoint
ALTER POLICY memberships_system ON memberships
  USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
ALTER POLICY memberships_own_rows ON memberships
  USING (user_id = (SELECT app_current_user_id()));
--> statement-breakpoint
ALTER POLICY memberships_read ON memberships
  USING (org_id = (SELECT app_current_org_id())
    AND ((SELECT app_org_reader(nullif(current_setting('app.org_id', true), '')::uuid)) OR role IN ('owner', 'admin')));
--> statement-breakpoint
ALTER POLICY audit_events_org_read ON audit_events
  USING (org_id = (SELECT app_current_org_id())
    AND ((SELECT app_org_reader(nullif(current_setting('app.org_id', true), '')::uuid)) OR actor_id = (SELECT app_current_user_id())
      OR (target_type = 'user' AND target_id = (SELECT app_current_user_id()::text))));
--> statement-breakpoint
ALTER POLICY support_grants_in_org ON support_access_grants
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(nullif(current_setting('app.org_id', true), '')::uuid)));
--> statement-breakpoint
ALTER POLICY support_grants_own_read ON support_access_grants
  USING (staff_user_id = (SELECT app_current_user_id()));
--> statement-breakpoint
ALTER POLICY support_grants_system ON support_access_grants
  USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
ALTER FUNCTION org_lookup_by_slug(text) ROWS 1;
--> statement-breakpoint
-- The standing in one campaign, as JSON (null: no such campaign): the campaign by slug and whether it is suspended,
-- the person's membership row, a live support grant when p_staff holds (only one that has begun and spans at most
-- 24 h, whoever dated it), and the campaign row, which the caller reads under their own RLS (organizations_visible:
-- an active member, or staff under a live grant the campaign allows, of a campaign not suspended, a person not
-- disabled), so wall 3 checks them in the same read.
CREATE FUNCTION app_campaign_standing(p_user uuid, p_staff boolean, p_slug text, p_now timestamptz) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT row_to_json(st) FROM (
    SELECT l.id, l.suspended, m.role AS member_role, m.disabled_at IS NOT NULL AS member_disabled,
      CASE WHEN p_staff THEN (SELECT g.id FROM support_access_grants g
        WHERE g.org_id = l.id AND g.staff_user_id = p_user AND g.revoked_at IS NULL
          AND g.expires_at > p_now AND g.created_at <= p_now
          AND g.expires_at <= g.created_at + interval '24 hours'
        LIMIT 1) END AS grant_id,
      o.id AS row_id, o.slug, o.name, o.settings
    FROM org_lookup_by_slug(p_slug) l
    LEFT JOIN memberships m ON m.org_id = l.id AND m.user_id = p_user
    LEFT JOIN organizations o ON o.id = l.id) st);
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_campaign_standing(uuid, boolean, text, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_campaign_standing(uuid, boolean, text, timestamptz) TO rampart_app;
