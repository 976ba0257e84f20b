CREATE TABLE "api_idempotency_keys" (
	"token_id" uuid NOT NULL,
	"key" text NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer NOT NULL,
	"response_sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "api_idempotency_keys_token_id_key_pk" PRIMARY KEY("token_id","key")
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"scopes" text[] NOT NULL,
	"secret_hash" text NOT NULL,
	"password_stamp" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"renewed_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	CONSTRAINT "api_tokens_secret_hash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "api_tokens_lifetime" CHECK ("api_tokens"."expires_at" <= coalesce("api_tokens"."renewed_at", "api_tokens"."created_at") + interval '24 hours')
);
--> statement-breakpoint
ALTER TABLE "api_idempotency_keys" ADD CONSTRAINT "api_idempotency_keys_token_id_api_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."api_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_idempotency_keys" ADD CONSTRAINT "api_idempotency_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_idempotency_keys" ADD CONSTRAINT "api_idempotency_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_person_idx" ON "api_tokens" USING btree ("org_id","user_id");--> statement-breakpoint
-- A token is its person's, in its campaign: the app reads and changes only the caller's own tokens there, never deletes them (revocation is kept).
GRANT SELECT, INSERT, UPDATE ON api_tokens TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON api_idempotency_keys TO rampart_app;
--> statement-breakpoint
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE api_idempotency_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE api_idempotency_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY api_tokens_own ON api_tokens
  USING (org_id = (SELECT app_current_org_id()) AND user_id = (SELECT app_current_user_id()))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND user_id = (SELECT app_current_user_id()));
--> statement-breakpoint
CREATE POLICY api_tokens_system ON api_tokens USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
CREATE POLICY api_idempotency_keys_own ON api_idempotency_keys
  USING (org_id = (SELECT app_current_org_id()) AND user_id = (SELECT app_current_user_id()))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND user_id = (SELECT app_current_user_id()));
--> statement-breakpoint
CREATE POLICY api_idempotency_keys_system ON api_idempotency_keys USING ((SELECT app_system_scope())) WITH CHECK ((SELECT app_system_scope()));
--> statement-breakpoint
-- The API's first step: a secret's keyed hash to its token, before any tenant context exists (no secret material leaves).
CREATE FUNCTION api_token_lookup(p_hash text)
  RETURNS TABLE (id uuid, org_id uuid, user_id uuid, scopes text[], password_stamp text, expires_at timestamptz, revoked_at timestamptz, org_slug text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, t.org_id, t.user_id, t.scopes, t.password_stamp, t.expires_at, t.revoked_at, o.slug
  FROM api_tokens t JOIN organizations o ON o.id = t.org_id WHERE t.secret_hash = p_hash
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION api_token_lookup(text) TO rampart_app;
