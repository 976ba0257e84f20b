-- Organisation keys: the app reads and writes its own organisation's wrapped keys; it never deletes one
-- (retiring and shredding keep a tombstone row, so a version is never reused).
-- UPDATE also covers SELECT ... FOR SHARE, which pins the active key while a transaction writes ciphertext.
GRANT SELECT, INSERT, UPDATE ON org_keys TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON encrypted_files TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON integration_secrets TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON jobs TO rampart_app;
--> statement-breakpoint
ALTER TABLE org_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE org_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY org_keys_in_org ON org_keys
  USING (org_id = app_current_org_id())
  WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
ALTER TABLE encrypted_files ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE encrypted_files FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY encrypted_files_in_org ON encrypted_files
  USING (org_id = app_current_org_id())
  WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
ALTER TABLE integration_secrets ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE integration_secrets FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY integration_secrets_in_org ON integration_secrets
  USING (org_id = app_current_org_id())
  WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
-- Scope of the job runner (claiming, leases, outcomes across organisations), set per transaction by lib/jobs alone.
CREATE FUNCTION app_job_runner_scope() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.job_runner', true), '') = 'on' $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_job_runner_scope() TO rampart_app;
--> statement-breakpoint
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY jobs_in_org ON jobs
  USING (org_id = app_current_org_id())
  WITH CHECK (org_id = app_current_org_id());
--> statement-breakpoint
CREATE POLICY jobs_runner ON jobs
  USING (app_job_runner_scope())
  WITH CHECK (app_job_runner_scope());
