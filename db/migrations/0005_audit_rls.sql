-- Audit log: the app appends and reads within its context; it can neither change nor remove an event.
GRANT SELECT, INSERT ON audit_events TO rampart_app;
--> statement-breakpoint
-- Chain heads move forward under a row lock while an event is appended (lib/audit/record.ts).
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit_archives TO rampart_app;
--> statement-breakpoint
-- Read scope of the verifier and the retention job (every chain, the account chain included), set per transaction by lib/audit alone.
CREATE FUNCTION app_audit_system_scope() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.audit_scope', true), '') = 'system' $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_audit_system_scope() TO rampart_app;
--> statement-breakpoint
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY audit_events_org_read ON audit_events FOR SELECT
  USING (org_id = app_current_org_id());
--> statement-breakpoint
-- Account-level events (no organisation) belong to the person who acted or was acted upon.
CREATE POLICY audit_events_account_read ON audit_events FOR SELECT
  USING (org_id IS NULL AND (actor_id = app_current_user_id() OR (target_type = 'user' AND target_id = app_current_user_id()::text)));
--> statement-breakpoint
CREATE POLICY audit_events_system_read ON audit_events FOR SELECT
  USING (app_audit_system_scope());
--> statement-breakpoint
-- Account events may be appended from any context (a failed sign-in has none); organisation events only inside their organisation.
CREATE POLICY audit_events_append ON audit_events FOR INSERT
  WITH CHECK (org_id IS NULL OR org_id = app_current_org_id());
--> statement-breakpoint
-- Only audit_purge_archived sets rampart.audit_purge; the app role holds no DELETE privilege on this table at all.
CREATE POLICY audit_events_purge ON audit_events FOR DELETE
  USING (coalesce(current_setting('rampart.audit_purge', true), '') <> '');
--> statement-breakpoint
ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY audit_chain_heads_access ON audit_chain_heads
  USING (org_id IS NULL OR org_id = app_current_org_id() OR app_audit_system_scope())
  WITH CHECK (org_id IS NULL OR org_id = app_current_org_id());
--> statement-breakpoint
ALTER TABLE audit_archives ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE audit_archives FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY audit_archives_read ON audit_archives FOR SELECT
  USING (org_id = app_current_org_id() OR app_audit_system_scope());
--> statement-breakpoint
CREATE POLICY audit_archives_record ON audit_archives FOR INSERT
  WITH CHECK (org_id = app_current_org_id() OR (org_id IS NULL AND app_audit_system_scope()));
--> statement-breakpoint
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
-- Refused for every role, the owner included (grants already stop the app role); statement level also catches TRUNCATE.
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_archives_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_archives
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
-- A row may leave the hot table only while audit_purge_archived removes the run that a recorded archive covers.
CREATE FUNCTION audit_events_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge text := coalesce(current_setting('rampart.audit_purge', true), '');
BEGIN
  IF purge <> '' AND EXISTS (
    SELECT 1 FROM audit_archives a
    WHERE a.id = purge::uuid AND a.org_id IS NOT DISTINCT FROM OLD.org_id AND OLD.seq BETWEEN a.first_seq AND a.last_seq
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: only events covered by a recorded archive can be removed'
    USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_guard_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_guard_delete();
--> statement-breakpoint
-- Retention's only way to remove events: runs as the owner, checks that the archive continues the previous one and
-- matches the hot rows at both ends of its run, then deletes exactly that run (the trigger checks every row again).
CREATE FUNCTION audit_purge_archived(p_archive uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  a audit_archives%ROWTYPE;
  covered bigint;
  first_prev text;
  last_hash text;
  removed bigint;
BEGIN
  SELECT * INTO a FROM audit_archives WHERE id = p_archive;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit archive % not found', p_archive USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT app_audit_system_scope() AND (a.org_id IS NULL OR a.org_id IS DISTINCT FROM app_current_org_id()) THEN
    RAISE EXCEPTION 'audit archive % is outside the current organisation', p_archive USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT coalesce(max(x.last_seq), 0) INTO covered FROM audit_archives x
    WHERE x.org_id IS NOT DISTINCT FROM a.org_id AND x.first_seq < a.first_seq;
  IF covered <> a.first_seq - 1 THEN
    RAISE EXCEPTION 'audit archive % does not continue the previous archive (ends at %)', p_archive, covered;
  END IF;
  IF a.org_id IS NULL THEN
    SELECT e.prev_hash INTO first_prev FROM audit_events e WHERE e.org_id IS NULL AND e.seq = a.first_seq;
    SELECT e.hash INTO last_hash FROM audit_events e WHERE e.org_id IS NULL AND e.seq = a.last_seq;
  ELSE
    SELECT e.prev_hash INTO first_prev FROM audit_events e WHERE e.org_id = a.org_id AND e.seq = a.first_seq;
    SELECT e.hash INTO last_hash FROM audit_events e WHERE e.org_id = a.org_id AND e.seq = a.last_seq;
  END IF;
  IF first_prev IS DISTINCT FROM a.prev_hash OR last_hash IS DISTINCT FROM a.head_hash THEN
    RAISE EXCEPTION 'audit archive % does not match the events it covers', p_archive;
  END IF;
  PERFORM set_config('rampart.audit_purge', p_archive::text, true);
  IF a.org_id IS NULL THEN
    DELETE FROM audit_events e WHERE e.org_id IS NULL AND e.seq BETWEEN a.first_seq AND a.last_seq;
  ELSE
    DELETE FROM audit_events e WHERE e.org_id = a.org_id AND e.seq BETWEEN a.first_seq AND a.last_seq;
  END IF;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('rampart.audit_purge', '', true);
  IF removed <> a.event_count THEN
    RAISE EXCEPTION 'audit archive % covers % events but % were found', p_archive, a.event_count, removed;
  END IF;
  RETURN removed;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_purge_archived(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_purge_archived(uuid) TO rampart_app;
