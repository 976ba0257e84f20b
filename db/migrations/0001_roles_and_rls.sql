-- The application works as rampart_app, a role that owns nothing: row-level security binds it.
DO $$ BEGIN
  CREATE ROLE rampart_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO rampart_app;
--> statement-breakpoint
-- Tenant context for the current transaction, set only by the tenant helper (set_config(..., true)).
CREATE FUNCTION app_current_org_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
--> statement-breakpoint
CREATE FUNCTION app_current_user_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_current_org_id(), app_current_user_id() TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON users TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON organizations TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO rampart_app;
--> statement-breakpoint
-- Consent proof is append-only for the app.
GRANT SELECT, INSERT ON consent_records TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON system_meta TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_hits TO rampart_app;
--> statement-breakpoint
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY memberships_in_org ON memberships
  USING (org_id = app_current_org_id())
  WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
-- A person may list their own memberships across campaigns (for /orgs), and nothing else outside the org context.
CREATE POLICY memberships_own_rows ON memberships FOR SELECT
  USING (user_id = app_current_user_id());
--> statement-breakpoint
-- Sliding-window limiter: atomic per key under the row lock of the current window.
CREATE FUNCTION rate_limit_take(p_key text, p_limit integer, p_window_ms bigint, p_now_ms bigint)
RETURNS TABLE (allowed boolean, remaining integer, reset_ms bigint)
LANGUAGE plpgsql AS $$
DECLARE
  cur_start bigint := p_now_ms - (p_now_ms % p_window_ms);
  cur_count integer;
  prev_count integer;
  used integer;
BEGIN
  INSERT INTO rate_limit_hits AS h (key, window_start, count) VALUES (p_key, cur_start, 0)
    ON CONFLICT (key, window_start) DO NOTHING;
  SELECT h.count INTO cur_count FROM rate_limit_hits h
    WHERE h.key = p_key AND h.window_start = cur_start FOR UPDATE;
  SELECT coalesce(max(h.count), 0) INTO prev_count FROM rate_limit_hits h
    WHERE h.key = p_key AND h.window_start = cur_start - p_window_ms;
  DELETE FROM rate_limit_hits h WHERE h.key = p_key AND h.window_start < cur_start - p_window_ms;
  used := floor(prev_count * (1 - (p_now_ms - cur_start)::double precision / p_window_ms))::integer + cur_count;
  IF used >= p_limit THEN
    RETURN QUERY SELECT false, 0, cur_start + p_window_ms;
  ELSE
    UPDATE rate_limit_hits h SET count = h.count + 1 WHERE h.key = p_key AND h.window_start = cur_start;
    RETURN QUERY SELECT true, p_limit - used - 1, cur_start + p_window_ms;
  END IF;
END $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION rate_limit_take(text, integer, bigint, bigint) TO rampart_app;
