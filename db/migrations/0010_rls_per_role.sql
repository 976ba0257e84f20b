-- Wall 3 checks the role too, not only membership: without the guard, a volunteer still cannot read the
-- campaign's member list, invitations, grants, secrets, files, jobs or whole feed, nor change roles,
-- settings or keys. Support staff (under a live grant) read like an admin and change nothing.
CREATE FUNCTION app_org_role(p_org uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN app_can_access_org(p_org) THEN coalesce(
    (SELECT m.role::text FROM memberships m WHERE m.org_id = p_org AND m.user_id = app_current_user_id() AND m.disabled_at IS NULL),
    'support') END $$;
--> statement-breakpoint
CREATE FUNCTION app_org_manager(p_org uuid) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT app_system_scope() OR coalesce(app_org_role(p_org) IN ('owner', 'admin'), false) $$;
--> statement-breakpoint
CREATE FUNCTION app_org_reader(p_org uuid) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT app_system_scope() OR coalesce(app_org_role(p_org) IN ('owner', 'admin', 'support'), false) $$;
--> statement-breakpoint
CREATE FUNCTION app_org_owner(p_org uuid) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT app_system_scope() OR coalesce(app_org_role(p_org) = 'owner', false) $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_org_role(uuid), app_org_manager(uuid), app_org_reader(uuid), app_org_owner(uuid) TO rampart_app;
--> statement-breakpoint
DROP POLICY memberships_in_org ON memberships;
--> statement-breakpoint
-- Volunteers see the owners and admins they work with (and, by memberships_own_rows, themselves).
CREATE POLICY memberships_read ON memberships FOR SELECT
  USING (org_id = app_current_org_id() AND (app_org_reader(org_id) OR role IN ('owner', 'admin')));
--> statement-breakpoint
CREATE POLICY memberships_add ON memberships FOR INSERT
  WITH CHECK (org_id = app_current_org_id() AND app_org_manager(org_id) AND (role <> 'owner' OR app_org_owner(org_id)));
--> statement-breakpoint
CREATE POLICY memberships_change ON memberships FOR UPDATE
  USING (org_id = app_current_org_id() AND app_org_manager(org_id) AND (role <> 'owner' OR app_org_owner(org_id)))
  WITH CHECK (org_id = app_current_org_id() AND app_org_manager(org_id) AND (role <> 'owner' OR app_org_owner(org_id)));
--> statement-breakpoint
CREATE POLICY memberships_remove ON memberships FOR DELETE
  USING (org_id = app_current_org_id() AND (user_id = app_current_user_id() OR (app_org_manager(org_id) AND (role <> 'owner' OR app_org_owner(org_id)))));
--> statement-breakpoint
DROP POLICY invitations_in_org ON invitations;
--> statement-breakpoint
CREATE POLICY invitations_in_org ON invitations
  USING (org_id = app_current_org_id() AND app_org_manager(org_id))
  WITH CHECK (org_id = app_current_org_id() AND app_org_manager(org_id) AND (role <> 'owner' OR app_org_owner(org_id)));
--> statement-breakpoint
DROP POLICY organizations_update ON organizations;
--> statement-breakpoint
CREATE POLICY organizations_update ON organizations FOR UPDATE
  USING (id = app_current_org_id() AND app_org_owner(id)) WITH CHECK (id = app_current_org_id() AND app_org_owner(id));
--> statement-breakpoint
DROP POLICY support_grants_in_org ON support_access_grants;
--> statement-breakpoint
CREATE POLICY support_grants_in_org ON support_access_grants FOR SELECT
  USING (org_id = app_current_org_id() AND app_org_manager(org_id));
--> statement-breakpoint
-- Staff may open a grant that starts now and lasts at most 24 hours, and read their own; they cannot stretch, revive or move one.
DROP POLICY support_grants_own ON support_access_grants;
--> statement-breakpoint
CREATE POLICY support_grants_own_read ON support_access_grants FOR SELECT USING (staff_user_id = app_current_user_id());
--> statement-breakpoint
CREATE POLICY support_grants_own_open ON support_access_grants FOR INSERT WITH CHECK (
  staff_user_id = app_current_user_id()
  AND EXISTS (SELECT 1 FROM users u WHERE u.id = app_current_user_id() AND u.is_staff AND u.disabled_at IS NULL)
  AND revoked_at IS NULL
  AND created_at BETWEEN now() - interval '5 minutes' AND now() + interval '5 minutes'
  AND expires_at <= created_at + interval '24 hours');
--> statement-breakpoint
DROP POLICY audit_events_org_read ON audit_events;
--> statement-breakpoint
CREATE POLICY audit_events_org_read ON audit_events FOR SELECT
  USING (org_id = app_current_org_id() AND (app_org_reader(org_id) OR actor_id = app_current_user_id()
    OR (target_type = 'user' AND target_id = app_current_user_id()::text)));
--> statement-breakpoint
DROP POLICY integration_secrets_in_org ON integration_secrets;
--> statement-breakpoint
CREATE POLICY integration_secrets_in_org ON integration_secrets
  USING (org_id = app_current_org_id() AND app_org_manager(org_id)) WITH CHECK (org_id = app_current_org_id() AND app_org_manager(org_id));
--> statement-breakpoint
DROP POLICY encrypted_files_in_org ON encrypted_files;
--> statement-breakpoint
CREATE POLICY encrypted_files_in_org ON encrypted_files
  USING (org_id = app_current_org_id() AND app_org_manager(org_id)) WITH CHECK (org_id = app_current_org_id() AND app_org_manager(org_id));
--> statement-breakpoint
DROP POLICY jobs_in_org ON jobs;
--> statement-breakpoint
CREATE POLICY jobs_in_org ON jobs
  USING (org_id = app_current_org_id() AND app_org_manager(org_id)) WITH CHECK (org_id = app_current_org_id() AND app_org_manager(org_id));
--> statement-breakpoint
-- Members still read and pin (FOR SHARE needs UPDATE) the keys; only managers and system work change one.
CREATE FUNCTION org_keys_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.org_id, NEW.status, NEW.wrapped_key, NEW.master_key_id) IS DISTINCT FROM (OLD.org_id, OLD.status, OLD.wrapped_key, OLD.master_key_id)
     AND NOT app_org_manager(OLD.org_id) THEN
    RAISE EXCEPTION 'only owners and admins change a campaign key' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER org_keys_guard_change BEFORE UPDATE ON org_keys FOR EACH ROW EXECUTE FUNCTION org_keys_guard_change();
