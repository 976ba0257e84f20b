-- Account tables are per person, not per campaign: the app role reaches them by id; no RLS tenant policy applies.
GRANT SELECT, INSERT, UPDATE ON sessions TO rampart_app;
--> statement-breakpoint
-- Sign-in history is append-only for the app.
GRANT SELECT, INSERT ON sign_in_attempts TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON email_tokens TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON totp_factors TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON webauthn_credentials TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON auth_challenges TO rampart_app;
