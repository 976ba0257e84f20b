import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, uniqueIndex } from "drizzle-orm/pg-core";
import { oneOf, pgTable, text, timestamptz, uuid } from "./columns";
import { organizations } from "./organizations";

export const jobStates = ["queued", "running", "succeeded", "failed"] as const;
export type JobState = (typeof jobStates)[number];

/**
 * Durable background jobs (lib/jobs). Rows carry ids and counters only, never personal data.
 * An organisation's jobs are visible inside its tenant context; the runner claims across
 * organisations through its own transaction-local scope (see the RLS migration).
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    /** At most one queued or running job per (kind, dedupe key). */
    dedupeKey: text("dedupe_key"),
    state: text("state").$type<JobState>().notNull().default("queued"),
    payload: jsonb("payload").$type<unknown>().notNull().default({}),
    /** Where a resumed run continues; written in the same transaction as the batch it follows. */
    cursor: jsonb("cursor").$type<unknown>(),
    progress: jsonb("progress").$type<unknown>(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    runAt: timestamptz("run_at").notNull().defaultNow(),
    /** Random token of the current lease holder; checkpoints of a stale holder are refused. */
    lockedBy: text("locked_by"),
    lockedUntil: timestamptz("locked_until"),
    /** Error name and code of the last failure (no message: messages can carry data). */
    lastError: text("last_error"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
    finishedAt: timestamptz("finished_at"),
  },
  (t) => [
    index("jobs_ready_idx").on(t.state, t.runAt),
    index("jobs_org_idx").on(t.orgId, t.kind, t.createdAt),
    uniqueIndex("jobs_dedupe").on(t.kind, t.dedupeKey).where(sql`dedupe_key is not null and state in ('queued', 'running')`),
    check("jobs_state", oneOf(t.state, jobStates)),
  ],
);

export type Job = typeof jobs.$inferSelect;
