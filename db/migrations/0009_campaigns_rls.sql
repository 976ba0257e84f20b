-- Wall 3 checks the person, not only the organisation: a tenant context opens an organisation only to
-- its active members (or staff under a live support grant) while that organisation is not suspended.
-- Trusted background work (jobs, scripts, the demo seed) runs with the system scope instead of a person.
CREATE FUNCTION app_system_scope() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.system_scope', true), '') = 'on' $$;
--> statement-breakpoint
-- SECURITY DEFINER: reads memberships and grants without recursing into their own policies.
CREATE FUNCTION app_can_access_org(p_org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_org IS NOT NULL
    AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = p_org AND o.suspended_at IS NULL)
    AND EXISTS (SELECT 1 FROM users u WHERE u.id = app_current_user_id() AND u.disabled_at IS NULL)
    AND (
      EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = p_org AND m.user_id = app_current_user_id() AND m.disabled_at IS NULL)
      OR EXISTS (
        SELECT 1 FROM support_access_grants g JOIN users s ON s.id = g.staff_user_id
        WHERE g.org_id = p_org AND g.staff_user_id = app_current_user_id() AND s.is_staff
          AND g.revoked_at IS NULL AND g.expires_at > now()
          AND coalesce((SELECT o.settings->>'supportAccess' FROM organizations o WHERE o.id = p_org), 'allowed') = 'allowed'
      )
    )
$$;
--> statement-breakpoint
-- Every existing policy written as org_id = app_current_org_id() now also requires access to that organisation.
CREATE OR REPLACE FUNCTION app_current_org_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN nullif(current_setting('app.org_id', true), '') IS NULL THEN NULL
    WHEN app_system_scope() OR app_can_access_org(nullif(current_setting('app.org_id', true), '')::uuid)
      THEN nullif(current_setting('app.org_id', true), '')::uuid
  END
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_system_scope(), app_can_access_org(uuid) TO rampart_app;
--> statement-breakpoint
-- The guard's first step: slug to organisation, before any tenant context exists (no other columns leave).
CREATE FUNCTION org_lookup_by_slug(p_slug text) RETURNS TABLE (id uuid, suspended boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.id, o.suspended_at IS NOT NULL FROM organizations o WHERE o.slug = p_slug
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION org_lookup_by_slug(text) TO rampart_app;
--> statement-breakpoint
-- Creating a campaign makes the caller its first owner in one step.
CREATE FUNCTION create_organization_with_owner(p_id uuid, p_slug text, p_name text, p_owner uuid) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_owner IS NULL OR p_owner IS DISTINCT FROM app_current_user_id() THEN
    RAISE EXCEPTION 'a campaign can only be created for yourself' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p_owner AND u.disabled_at IS NULL) THEN
    RAISE EXCEPTION 'account cannot create campaigns' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO organizations (id, slug, name) VALUES (p_id, p_slug, p_name);
  INSERT INTO memberships (org_id, user_id, role) VALUES (p_id, p_owner, 'owner');
  RETURN p_id;
END $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION create_organization_with_owner(uuid, text, text, uuid) TO rampart_app;
--> statement-breakpoint
-- Accepting an invitation: valid, unused, unexpired, and addressed to the caller's own email (by keyed hash).
CREATE FUNCTION accept_invitation(p_token_hash text, p_email_hash text) RETURNS TABLE (org_id uuid, role member_role)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  inv invitations%ROWTYPE;
  me uuid := app_current_user_id();
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'sign in to accept an invitation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO inv FROM invitations i WHERE i.token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND OR inv.accepted_at IS NOT NULL OR inv.declined_at IS NOT NULL OR inv.revoked_at IS NOT NULL OR inv.expires_at <= now() THEN
    RAISE EXCEPTION 'invitation not valid' USING ERRCODE = 'no_data_found';
  END IF;
  IF inv.email_hash IS DISTINCT FROM p_email_hash THEN
    RAISE EXCEPTION 'invitation addressed to someone else' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE invitations SET accepted_at = now(), accepted_by = me WHERE id = inv.id;
  INSERT INTO memberships (org_id, user_id, role) VALUES (inv.org_id, me, inv.role)
    ON CONFLICT ON CONSTRAINT memberships_org_id_user_id_pk DO NOTHING;
  RETURN QUERY SELECT inv.org_id, inv.role;
END $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION accept_invitation(text, text) TO rampart_app;
--> statement-breakpoint
CREATE FUNCTION decline_invitation(p_token_hash text, p_email_hash text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH d AS (
    UPDATE invitations SET declined_at = now()
    WHERE token_hash = p_token_hash AND email_hash = p_email_hash AND app_current_user_id() IS NOT NULL
      AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL AND expires_at > now()
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM d)
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION decline_invitation(text, text) TO rampart_app;
--> statement-breakpoint
-- What an invitee may see before accepting: the campaign's name and the role, nothing else.
CREATE FUNCTION invitation_preview(p_token_hash text) RETURNS TABLE (org_name text, role member_role, valid boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.name, i.role, (i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now())
  FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.token_hash = p_token_hash
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION invitation_preview(text) TO rampart_app;
--> statement-breakpoint
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY organizations_visible ON organizations FOR SELECT
  USING (app_system_scope() OR app_can_access_org(id));
--> statement-breakpoint
CREATE POLICY organizations_update ON organizations FOR UPDATE
  USING (id = app_current_org_id()) WITH CHECK (id = app_current_org_id());
--> statement-breakpoint
CREATE POLICY organizations_system_write ON organizations FOR INSERT
  WITH CHECK (app_system_scope());
--> statement-breakpoint
DROP POLICY memberships_in_org ON memberships;
--> statement-breakpoint
DROP POLICY memberships_own_rows ON memberships;
--> statement-breakpoint
CREATE POLICY memberships_in_org ON memberships
  USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
-- A person may list their own memberships across campaigns (for /orgs).
CREATE POLICY memberships_own_rows ON memberships FOR SELECT
  USING (user_id = app_current_user_id());
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON invitations TO rampart_app;
--> statement-breakpoint
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY invitations_in_org ON invitations
  USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON support_access_grants TO rampart_app;
--> statement-breakpoint
ALTER TABLE support_access_grants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE support_access_grants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY support_grants_in_org ON support_access_grants FOR SELECT
  USING (org_id = app_current_org_id());
--> statement-breakpoint
CREATE POLICY support_grants_own ON support_access_grants
  USING (staff_user_id = app_current_user_id())
  WITH CHECK (
    staff_user_id = app_current_user_id()
    AND EXISTS (SELECT 1 FROM users u WHERE u.id = app_current_user_id() AND u.is_staff AND u.disabled_at IS NULL)
    AND expires_at <= created_at + interval '24 hours'
  );
--> statement-breakpoint
CREATE POLICY support_grants_system ON support_access_grants
  USING (app_system_scope()) WITH CHECK (app_system_scope());
--> statement-breakpoint
CREATE POLICY memberships_system ON memberships
  USING (app_system_scope()) WITH CHECK (app_system_scope());
--> statement-breakpoint
CREATE POLICY organizations_system_update ON organizations FOR UPDATE
  USING (app_system_scope()) WITH CHECK (app_system_scope());
--> statement-breakpoint
CREATE POLICY invitations_system ON invitations
  USING (app_system_scope()) WITH CHECK (app_system_scope());
