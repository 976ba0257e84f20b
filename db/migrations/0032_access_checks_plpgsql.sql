-- The access checks that policies call on every statement, in PL/pgSQL instead of SQL, with the same bodies, rights
-- and search path. A SECURITY DEFINER (or SET search_path) SQL function is never inlined: PostgreSQL parses and plans
-- its query on every call, about 0.3 ms here for app_can_access_org, and app_org_role calls that one again (a
-- manager check cost ≈0.7 ms, measured with EXPLAIN ANALYZE on a contacts page as the app role). PL/pgSQL keeps each
-- query's plan for the session, as 0027 did for the guard's standing read. Nothing about who passes changes: the
-- cross-tenant, role and deletion suites run against these definitions.
CREATE OR REPLACE FUNCTION app_can_access_org(p_org uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN p_org IS NOT NULL
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
    );
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_org_role(p_org uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN CASE WHEN app_can_access_org(p_org) THEN coalesce(
    (SELECT m.role::text FROM memberships m WHERE m.org_id = p_org AND m.user_id = app_current_user_id() AND m.disabled_at IS NULL),
    'support') END;
END
$$;
--> statement-breakpoint
-- SECURITY DEFINER: reads reports without entering their policies (which would recurse through contacts).
CREATE OR REPLACE FUNCTION app_synced_contact_reported(p_contact uuid, p_synced_by uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM reports r WHERE r.contact_id = p_contact AND r.filed_by = p_synced_by AND r.completed_at IS NOT NULL);
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION org_lookup_by_slug(p_slug text) RETURNS TABLE (id uuid, suspended boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 1 AS $$
BEGIN
  RETURN QUERY SELECT o.id, o.suspended_at IS NOT NULL FROM organizations o WHERE o.slug = p_slug;
END
$$;
--> statement-breakpoint
-- Every API request's token lookup (before any tenant transaction), likewise.
CREATE OR REPLACE FUNCTION api_token_lookup(p_hash text)
  RETURNS TABLE (id uuid, org_id uuid, user_id uuid, scopes text[], password_stamp text, expires_at timestamptz, revoked_at timestamptz, org_slug text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY SELECT t.id, t.org_id, t.user_id, t.scopes, t.password_stamp, t.expires_at, t.revoked_at, o.slug
    FROM api_tokens t JOIN organizations o ON o.id = t.org_id WHERE t.secret_hash = p_hash;
END
$$;
