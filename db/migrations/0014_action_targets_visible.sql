-- A volunteer reads an action's target rows only for contacts they can see themselves (contacts_read decides), so
-- not even the ids of contacts assigned to others reach them through an action they share.
ALTER POLICY action_targets_read ON action_targets
  USING (org_id = (SELECT app_current_org_id()) AND ((SELECT app_org_reader(app_current_org_id()))
    OR (EXISTS (SELECT 1 FROM action_assignees a WHERE a.action_id = action_targets.action_id AND a.user_id = (SELECT app_current_user_id()))
      AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = action_targets.contact_id))));
