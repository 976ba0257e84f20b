-- The contact rule, stated once (lib/contacts/visibility.ts says the same in TypeScript): a contact is the campaign's
-- when nobody synced it or its syncer completed a report on it; managers read those, a member reads those assigned to
-- them, and everyone reads what they synced themselves. Before this, an assignee never read a reported synced contact.
ALTER POLICY contacts_read ON contacts USING (
  synced_by = (SELECT app_current_user_id())
  OR (org_id = (SELECT app_current_org_id()) AND (
    (SELECT app_system_scope())
    OR ((synced_by IS NULL OR app_synced_contact_reported(id, synced_by))
      AND ((SELECT app_org_reader(app_current_org_id())) OR assigned_to = (SELECT app_current_user_id()))))));
