CREATE TABLE "import_rows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"import_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"outcome" text NOT NULL,
	"contact_id" uuid,
	"before" "bytea",
	"tags_added" text[] DEFAULT '{}'::text[] NOT NULL,
	"lists_added" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"written_at" timestamp with time zone,
	"kept_at_rollback" boolean DEFAULT false NOT NULL,
	"error_column" text,
	"error_reason" text,
	CONSTRAINT "import_rows_outcome" CHECK ("import_rows"."outcome" in ('created', 'updated', 'skipped', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"created_by" uuid,
	"file_name" "bytea" NOT NULL,
	"headers" "bytea" NOT NULL,
	"format" text NOT NULL,
	"encoding" text NOT NULL,
	"delimiter" text,
	"file_size" integer NOT NULL,
	"total_rows" integer NOT NULL,
	"upload_file_id" uuid,
	"upload_expires_at" timestamp with time zone NOT NULL,
	"upload_deleted_at" timestamp with time zone,
	"mapping" jsonb,
	"options" jsonb,
	"status" text DEFAULT 'uploaded' NOT NULL,
	"job_id" uuid,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancel_requested_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"result_file_id" uuid,
	"result_expires_at" timestamp with time zone,
	"result_deleted_at" timestamp with time zone,
	"rollback_job_id" uuid,
	"rolled_back_by" uuid,
	"rolled_back_at" timestamp with time zone,
	"rollback_done" integer DEFAULT 0 NOT NULL,
	"rollback_kept" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "imports_format" CHECK ("imports"."format" in ('csv', 'xlsx')),
	CONSTRAINT "imports_status" CHECK ("imports"."status" in ('uploaded', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'rolling_back', 'rolled_back'))
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_rolled_back_by_users_id_fk" FOREIGN KEY ("rolled_back_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "import_rows_row_idx" ON "import_rows" USING btree ("import_id","row_number");--> statement-breakpoint
CREATE INDEX "import_rows_contact_idx" ON "import_rows" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "imports_org_created_idx" ON "imports" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "imports_upload_expiry_idx" ON "imports" USING btree ("upload_expires_at") WHERE upload_file_id is not null;--> statement-breakpoint
CREATE INDEX "contacts_external_id_idx" ON "contacts" USING btree ("org_id","external_id");--> statement-breakpoint
-- Wall 3 for imports: only the campaign's managers (and system work for that campaign) see or change its imports.
GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_rows TO rampart_app;
--> statement-breakpoint
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE imports FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE import_rows ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE import_rows FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY imports_in_org ON imports
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
--> statement-breakpoint
CREATE POLICY import_rows_in_org ON import_rows
  USING (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())))
  WITH CHECK (org_id = (SELECT app_current_org_id()) AND (SELECT app_org_manager(app_current_org_id())));
