CREATE TYPE "public"."audit_actor_kind" AS ENUM('member', 'staff', 'system', 'api_token', 'anonymous');--> statement-breakpoint
CREATE TABLE "audit_archives" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"prev_hash" text NOT NULL,
	"head_hash" text NOT NULL,
	"event_count" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"blob_key" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_archives_chain_first_seq" UNIQUE NULLS NOT DISTINCT("org_id","first_seq"),
	CONSTRAINT "audit_archives_range" CHECK ("audit_archives"."first_seq" > 0 AND "audit_archives"."last_seq" >= "audit_archives"."first_seq" AND "audit_archives"."event_count" = "audit_archives"."last_seq" - "audit_archives"."first_seq" + 1)
);
--> statement-breakpoint
CREATE TABLE "audit_chain_heads" (
	"chain_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "audit_chain_heads_chain_id" CHECK ("audit_chain_heads"."chain_id" = coalesce("audit_chain_heads"."org_id", '00000000-0000-0000-0000-000000000000'::uuid))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid,
	"seq" bigint NOT NULL,
	"actor_kind" "audit_actor_kind" NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"metadata" jsonb NOT NULL,
	"client_address_hash" text,
	"request_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_events_chain_seq" UNIQUE NULLS NOT DISTINCT("org_id","seq"),
	CONSTRAINT "audit_events_seq_positive" CHECK ("audit_events"."seq" > 0),
	CONSTRAINT "audit_events_action_format" CHECK ("audit_events"."action" ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
	CONSTRAINT "audit_events_target_id_format" CHECK ("audit_events"."target_id" ~ '^[A-Za-z0-9_-]{1,200}$'),
	CONSTRAINT "audit_events_hash_format" CHECK ("audit_events"."hash" ~ '^[0-9a-f]{64}$' AND "audit_events"."prev_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("org_id","actor_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_target_idx" ON "audit_events" USING btree ("org_id","target_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("org_id","created_at");