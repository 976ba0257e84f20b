-- Wall 3 for the workspace. Managers (owners, admins) read and change the campaign's contacts, lists and actions;
-- support staff read like an admin; volunteers read only the contacts assigned to them and the actions given to them.
-- A contact a member synced from their own address book is theirs: managers see it only once that member completed a
-- report on it, and the member can delete it from /settings/privacy (person scope, no campaign needed).
-- Function calls are wrapped in scalar subqueries so PostgreSQL evaluates them once per statement (see 0011).
GRANT SELECT, INSERT, UPDATE, DELETE ON contacts, contact_name_tokens, contact_lists, contact_list_members, actions, action_assignees, action_targets, reports TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON deletion_requests TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON privacy_receipts TO rampart_app;
--> statement-breakpoint
ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_name_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_name_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_lists ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_lists FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_list_members ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE contact_list_members FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE actions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE actions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE action_assignees ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE action_assignees FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE action_targets ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE action_targets FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE reports FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE deletion_requests ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE deletion_requests FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE privacy_receipts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE privacy_receipts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- SECURITY DEFINER: reads reports without entering their policies (which would recurse through contacts).
CREATE FUNCTION app_synced_contact_reported(p_contact uuid, p_synced_by uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM reports r WHERE r.contact_id = p_contact AND r.filed_by = p_synced_by AND r.completed_at IS NOT NULL)
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_synced_contact_reported(uuid, uuid) TO rampart_app;
--> statement-breakpoint
CREATE POLICY contacts_read ON contacts FOR SELECT USING (
  synced_by = (SELECT app_current_user_id())
  OR (org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_system_scope())
    OR (synced_by IS NULL AND ((SELECT app_org_reader(app_current_org_id())) OR assigned_to = (SELECT app_current_user_id())))
    OR (synced_by IS NOT NULL AND (SELECT app_org_reader(app_current_org_id())) AND app_synced_contact_reported(id, synced_by)))));
--> statement-breakpoint
CREATE POLICY contacts_add ON contacts FOR INSERT WITH CHECK (
  org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_system_scope())
    OR (synced_by IS NULL AND (SELECT app_org_manager(app_current_org_id())))
    OR (synced_by = (SELECT app_current_user_id()) AND (SELECT app_org_role(app_current_org_id())) IN ('owner', 'admin', 'volunteer'))));
--> statement-breakpoint
CREATE POLICY contacts_change ON contacts FOR UPDATE
  USING (org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_system_scope())
    OR (synced_by IS NULL AND (SELECT app_org_manager(app_current_org_id())))
    OR synced_by = (SELECT app_current_user_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_system_scope())
    OR (synced_by IS NULL AND (SELECT app_org_manager(app_current_org_id())))
    OR synced_by = (SELECT app_current_user_id())));
--> statement-breakpoint
CREATE POLICY contacts_remove ON contacts FOR DELETE USING (
  synced_by = (SELECT app_current_user_id())
  OR (org_id = (SELECT app_current_org_id()) AND ((SELECT app_system_scope()) OR (synced_by IS NULL AND (SELECT app_org_manager(app_current_org_id()))))));
--> statement-breakpoint
-- Name tokens follow their contact: visible with it, written by whoever may write it.
CREATE POLICY contact_name_tokens_read ON contact_name_tokens FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id));
--> statement-breakpoint
CREATE POLICY contact_name_tokens_write ON contact_name_tokens FOR INSERT
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_manager(app_current_org_id()))
    OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id AND c.synced_by = (SELECT app_current_user_id()))));
--> statement-breakpoint
CREATE POLICY contact_name_tokens_remove ON contact_name_tokens FOR DELETE
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_manager(app_current_org_id()))
    OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id AND c.synced_by = (SELECT app_current_user_id()))));
--> statement-breakpoint
CREATE POLICY contact_lists_read ON contact_lists FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_reader(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY contact_lists_write ON contact_lists FOR ALL
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY contact_list_members_read ON contact_list_members FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_reader(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY contact_list_members_write ON contact_list_members FOR ALL
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id()))
    AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id));
--> statement-breakpoint
-- Readers see every action (the trash included); a volunteer sees the live actions given to them.
CREATE POLICY actions_read ON actions FOR SELECT USING (
  org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_org_reader(app_current_org_id()))
    OR (deleted_at IS NULL AND EXISTS (SELECT 1 FROM action_assignees a WHERE a.action_id = id AND a.user_id = (SELECT app_current_user_id())))));
--> statement-breakpoint
CREATE POLICY actions_write ON actions FOR ALL
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY action_assignees_read ON action_assignees FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_reader(app_current_org_id())) OR user_id = (SELECT app_current_user_id())));
--> statement-breakpoint
CREATE POLICY action_assignees_write ON action_assignees FOR ALL
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id()))
    AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = action_assignees.org_id AND m.user_id = action_assignees.user_id));
--> statement-breakpoint
CREATE POLICY action_targets_read ON action_targets FOR SELECT
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_reader(app_current_org_id()))
    OR EXISTS (SELECT 1 FROM action_assignees a WHERE a.action_id = action_targets.action_id AND a.user_id = (SELECT app_current_user_id()))));
--> statement-breakpoint
CREATE POLICY action_targets_write ON action_targets FOR ALL
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id()))
    AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id));
--> statement-breakpoint
-- Drafts are their author's; completed reports are read by the campaign's readers. A report needs a contact its
-- author can see (and an action they can see, if any); a completed report no longer changes.
CREATE POLICY reports_read ON reports FOR SELECT USING (
  org_id = (SELECT app_current_org_id()) AND (
    filed_by = (SELECT app_current_user_id()) OR (SELECT app_system_scope())
    OR (completed_at IS NOT NULL AND (SELECT app_org_reader(app_current_org_id())))));
--> statement-breakpoint
CREATE POLICY reports_file ON reports FOR INSERT WITH CHECK (
  org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_system_scope())
    OR (filed_by = (SELECT app_current_user_id())
      AND (SELECT app_org_role(app_current_org_id())) IN ('owner', 'admin', 'volunteer')
      AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = contact_id)
      AND (action_id IS NULL OR EXISTS (SELECT 1 FROM actions a WHERE a.id = action_id AND a.deleted_at IS NULL)))));
--> statement-breakpoint
CREATE POLICY reports_edit_draft ON reports FOR UPDATE
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_system_scope()) OR (filed_by = (SELECT app_current_user_id()) AND completed_at IS NULL)))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND ((SELECT app_system_scope()) OR filed_by = (SELECT app_current_user_id())));
--> statement-breakpoint
CREATE POLICY reports_remove ON reports FOR DELETE USING (
  org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_org_manager(app_current_org_id())) OR (filed_by = (SELECT app_current_user_id()) AND completed_at IS NULL)));
--> statement-breakpoint
-- Deletion requests: opened by trusted code in the system scope (it computes each campaign's blind index of the
-- requester's verified email), read by the requester and the campaign's managers, decided by the managers.
CREATE POLICY deletion_requests_read ON deletion_requests FOR SELECT USING (
  requester_id = (SELECT app_current_user_id())
  OR (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id()))));
--> statement-breakpoint
CREATE POLICY deletion_requests_open ON deletion_requests FOR INSERT
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_system_scope()) AND status = 'pending');
--> statement-breakpoint
CREATE POLICY deletion_requests_decide ON deletion_requests FOR UPDATE
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())) AND status = 'pending')
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY privacy_receipts_own ON privacy_receipts
  USING (user_id = (SELECT app_current_user_id())) WITH CHECK (user_id = (SELECT app_current_user_id()));
--> statement-breakpoint
-- Managers learn how many contacts each member synced, never which: the rows stay behind contacts_read.
CREATE FUNCTION synced_contact_counts(p_org uuid) RETURNS TABLE (user_id uuid, contacts bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.synced_by, count(*) FROM contacts c
  WHERE c.org_id = p_org AND p_org = app_current_org_id() AND app_org_reader(p_org) AND c.synced_by IS NOT NULL
  GROUP BY c.synced_by
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION synced_contact_counts(uuid) TO rampart_app;
--> statement-breakpoint
-- Fulfilling a request deletes every contact of the campaign with the requester's email index, synced ones too
-- (the managers never see those); returns how many went. Only a manager of the request's campaign may call it.
CREATE FUNCTION fulfil_deletion_request(p_request uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r deletion_requests;
  n integer;
BEGIN
  SELECT * INTO r FROM deletion_requests d WHERE d.id = p_request FOR UPDATE;
  IF r.id IS NULL OR r.org_id IS DISTINCT FROM app_current_org_id() OR NOT app_org_manager(r.org_id) THEN
    RAISE EXCEPTION 'deletion request not found' USING ERRCODE = 'P0002';
  END IF;
  IF r.status <> 'pending' THEN
    RAISE EXCEPTION 'deletion request already decided' USING ERRCODE = '55000';
  END IF;
  DELETE FROM contacts c WHERE c.org_id = r.org_id AND c.email_index = r.email_index;
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE deletion_requests SET status = 'completed', decided_by = app_current_user_id(), decided_at = now(), contacts_deleted = n
  WHERE id = r.id;
  RETURN n;
END $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fulfil_deletion_request(uuid) TO rampart_app;
--> statement-breakpoint
-- Deleting one's own account: refused while the person is the last active owner of a campaign (checked under the
-- owner rows' locks); everything keyed to the person goes with the users row (synced contacts included).
CREATE FUNCTION delete_own_account() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  me uuid := app_current_user_id();
  lonely text;
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'no person in this transaction' USING ERRCODE = '42501';
  END IF;
  PERFORM 1 FROM memberships m WHERE m.role = 'owner' AND m.org_id IN (SELECT org_id FROM memberships WHERE user_id = me AND role = 'owner') FOR UPDATE;
  SELECT o.slug INTO lonely FROM memberships m JOIN organizations o ON o.id = m.org_id
  WHERE m.user_id = me AND m.role = 'owner'
    AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.org_id = m.org_id AND x.role = 'owner' AND x.user_id <> me AND x.disabled_at IS NULL)
  LIMIT 1;
  IF lonely IS NOT NULL THEN
    RAISE EXCEPTION 'last owner of a campaign' USING ERRCODE = 'P0001', DETAIL = lonely;
  END IF;
  DELETE FROM users WHERE id = me;
  RETURN FOUND;
END $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION delete_own_account() TO rampart_app;
