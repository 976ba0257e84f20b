-- Account events spread over 16 chains (account_shard 1–16) instead of one; shard 0 keeps the single account chain
-- of before, still verified and archived, closed to new events. Organisation chains are unchanged (shard 0).
ALTER TABLE "audit_archives" DROP CONSTRAINT "audit_archives_chain_first_seq";--> statement-breakpoint
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_chain_seq";--> statement-breakpoint
ALTER TABLE "audit_chain_heads" DROP CONSTRAINT "audit_chain_heads_chain_id";--> statement-breakpoint
ALTER TABLE "audit_archives" ADD COLUMN "account_shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD COLUMN "account_shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "account_shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_archives" ADD CONSTRAINT "audit_archives_chain_first_seq" UNIQUE NULLS NOT DISTINCT("org_id","account_shard","first_seq");--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_chain_seq" UNIQUE NULLS NOT DISTINCT("org_id","account_shard","seq");--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_chain_id" CHECK ("audit_chain_heads"."chain_id" = coalesce("audit_chain_heads"."org_id", ('00000000-0000-0000-0000-' || lpad(to_hex("audit_chain_heads"."account_shard"::int), 12, '0'))::uuid) AND ("audit_chain_heads"."org_id" IS NULL OR "audit_chain_heads"."account_shard" = 0));--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_account_shard" CHECK ("audit_events"."account_shard" BETWEEN 0 AND 16 AND ("audit_events"."org_id" IS NULL OR "audit_events"."account_shard" = 0));--> statement-breakpoint
-- An archive removes exactly the run it covers in its own chain (organisation, or account shard).
CREATE OR REPLACE FUNCTION audit_events_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge text := coalesce(current_setting('rampart.audit_purge', true), '');
BEGIN
  IF purge <> '' AND EXISTS (
    SELECT 1 FROM audit_archives a
    WHERE a.id = purge::uuid AND a.org_id IS NOT DISTINCT FROM OLD.org_id AND a.account_shard = OLD.account_shard
      AND OLD.seq BETWEEN a.first_seq AND a.last_seq
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: only events covered by a recorded archive can be removed'
    USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_purge_archived(p_archive uuid) RETURNS bigint
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
    WHERE x.org_id IS NOT DISTINCT FROM a.org_id AND x.account_shard = a.account_shard AND x.first_seq < a.first_seq;
  IF covered <> a.first_seq - 1 THEN
    RAISE EXCEPTION 'audit archive % does not continue the previous archive (ends at %)', p_archive, covered;
  END IF;
  SELECT e.prev_hash INTO first_prev FROM audit_events e
    WHERE e.org_id IS NOT DISTINCT FROM a.org_id AND e.account_shard = a.account_shard AND e.seq = a.first_seq;
  SELECT e.hash INTO last_hash FROM audit_events e
    WHERE e.org_id IS NOT DISTINCT FROM a.org_id AND e.account_shard = a.account_shard AND e.seq = a.last_seq;
  IF first_prev IS DISTINCT FROM a.prev_hash OR last_hash IS DISTINCT FROM a.head_hash THEN
    RAISE EXCEPTION 'audit archive % does not match the events it covers', p_archive;
  END IF;
  PERFORM set_config('rampart.audit_purge', p_archive::text, true);
  IF a.org_id IS NULL THEN
    DELETE FROM audit_events e WHERE e.org_id IS NULL AND e.account_shard = a.account_shard AND e.seq BETWEEN a.first_seq AND a.last_seq;
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
-- Events wait here, inside their own transaction, until it commits: only the owner's functions below touch the table
-- (no grants to the app role), and a row never outlives its transaction, so it needs no WAL.
CREATE UNLOGGED TABLE audit_pending (
  pos bigserial PRIMARY KEY,
  id uuid NOT NULL,
  org_id uuid,
  account_shard smallint NOT NULL,
  chain_id uuid NOT NULL,
  actor_kind audit_actor_kind NOT NULL,
  actor_id uuid,
  action text NOT NULL,
  target_type text,
  target_id text,
  metadata jsonb NOT NULL,
  client_address_hash text,
  request_id text,
  content text NOT NULL
);
--> statement-breakpoint
ALTER TABLE audit_pending ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE audit_pending FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY audit_pending_owner_only ON audit_pending USING (current_user <> 'rampart_app') WITH CHECK (current_user <> 'rampart_app');
--> statement-breakpoint
-- The only way an event joins a chain (lib/audit/record.ts). It checks the caller's context now (the rules of the
-- audit_events_append and audit_chain_heads_access policies) and queues the event; the chain link is made at commit.
CREATE FUNCTION audit_append(p_id uuid, p_org uuid, p_shard smallint, p_actor_kind audit_actor_kind, p_actor uuid, p_action text,
  p_target_type text, p_target_id text, p_metadata jsonb, p_address_hash text, p_request_id text, p_content text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_chain uuid;
BEGIN
  IF p_org IS NOT NULL THEN
    IF p_shard <> 0 THEN
      RAISE EXCEPTION 'organisation events have no account shard' USING ERRCODE = 'check_violation';
    END IF;
    -- Bound like the policies it stands for: a session that bypasses row-level security (the owner's) bypasses it too.
    IF p_org IS DISTINCT FROM app_current_org_id() AND NOT (current_setting('role') = 'none'
        AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = session_user AND (r.rolsuper OR r.rolbypassrls))) THEN
      RAISE EXCEPTION 'audit event outside the current organisation' USING ERRCODE = 'insufficient_privilege';
    END IF;
    v_chain := p_org;
  ELSE
    IF p_shard IS NULL OR p_shard NOT BETWEEN 0 AND 16 THEN
      RAISE EXCEPTION 'no such account chain' USING ERRCODE = 'check_violation';
    END IF;
    v_chain := ('00000000-0000-0000-0000-' || lpad(to_hex(p_shard::int), 12, '0'))::uuid;
  END IF;
  INSERT INTO audit_pending (id, org_id, account_shard, chain_id, actor_kind, actor_id, action, target_type, target_id, metadata,
      client_address_hash, request_id, content)
    VALUES (p_id, p_org, p_shard, v_chain, p_actor_kind, p_actor, p_action, p_target_type, p_target_id, p_metadata,
      p_address_hash, p_request_id, p_content);
END $$;
--> statement-breakpoint
-- Runs as the transaction commits (a deferred constraint trigger): the chain's head is locked from here to the end of
-- the commit only, with no client round trip in between (before, it stayed locked from the append statement through the
-- reply, the rest of the change and the COMMIT round trip). The first firing chains every event the transaction
-- queued, chain by chain in chain-id order (so two transactions never wait for each other's heads in a cycle), each
-- chain's events in the order they were recorded; later firings find nothing left. The hash is chain.ts eventHash.
CREATE FUNCTION audit_chain_pending() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  p record;
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_at timestamptz;
  v_now timestamptz;
BEGIN
  -- Other transactions' queued events are invisible here (never committed): this takes exactly this transaction's.
  FOR p IN WITH taken AS (DELETE FROM audit_pending RETURNING *) SELECT * FROM taken ORDER BY chain_id, pos LOOP
    -- One statement locks the head (waiting for the transaction before, then reading its head), moves it and returns
    -- the previous link. Times never go before the previous event's, so seq order is time order (feed, retention).
    v_now := date_trunc('milliseconds', clock_timestamp());
    UPDATE audit_chain_heads h SET prev_hash = h.hash, seq = h.seq + 1, last_at = greatest(v_now, h.last_at),
        hash = encode(sha256(convert_to(h.hash || E'\n' || p.content || E'\n' || (h.seq + 1)::text || E'\n'
          || to_char(greatest(v_now, h.last_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'UTF8')), 'hex')
      WHERE h.chain_id = p.chain_id
      RETURNING h.seq, h.prev_hash, h.hash, h.last_at INTO v_seq, v_prev, v_hash, v_at;
    IF NOT FOUND THEN
      -- The chain's first event (a concurrent first writer may have created the head already): create, then move it.
      INSERT INTO audit_chain_heads (chain_id, org_id, account_shard, seq, hash, prev_hash, last_at)
        VALUES (p.chain_id, p.org_id, p.account_shard, 0, repeat('0', 64), repeat('0', 64), 'epoch') ON CONFLICT (chain_id) DO NOTHING;
      UPDATE audit_chain_heads h SET prev_hash = h.hash, seq = h.seq + 1, last_at = greatest(v_now, h.last_at),
          hash = encode(sha256(convert_to(h.hash || E'\n' || p.content || E'\n' || (h.seq + 1)::text || E'\n'
            || to_char(greatest(v_now, h.last_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'UTF8')), 'hex')
        WHERE h.chain_id = p.chain_id
        RETURNING h.seq, h.prev_hash, h.hash, h.last_at INTO v_seq, v_prev, v_hash, v_at;
    END IF;
    INSERT INTO audit_events (id, org_id, account_shard, seq, actor_kind, actor_id, action, target_type, target_id, metadata,
        client_address_hash, request_id, created_at, prev_hash, hash)
      VALUES (p.id, p.org_id, p.account_shard, v_seq, p.actor_kind, p.actor_id, p.action, p.target_type, p.target_id, p.metadata,
        p.client_address_hash, p.request_id, v_at, v_prev, v_hash);
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION audit_chain_pending();
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_append(uuid, uuid, smallint, audit_actor_kind, uuid, text, text, text, jsonb, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_append(uuid, uuid, smallint, audit_actor_kind, uuid, text, text, text, jsonb, text, text, text) TO rampart_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_chain_pending() FROM PUBLIC;
--> statement-breakpoint
-- Heads move only through audit_append now: the app role reads them (verify, retention) but can no longer set one.
REVOKE INSERT, UPDATE ON audit_chain_heads FROM rampart_app;
