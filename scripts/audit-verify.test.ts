import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveExpiredEvents } from "@/lib/audit/retention";
import { accountShardOf } from "@/lib/audit/chain";
import { recordAuditEvent } from "@/lib/audit/record";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { openDatabase, type DatabaseHandle } from "@/lib/db/client";
import { createLocalBlobStore } from "@/lib/storage/local";

const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-audit-cli-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const orgId = randomUUID();
const actor = { kind: "member", id: randomUUID() } as const;

async function withDb(fn: (h: DatabaseHandle) => Promise<void>): Promise<void> {
  const handle = await openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "db") });
  try {
    await fn(handle);
  } finally {
    await handle.close();
  }
}

function verify(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, RAMPART_DATA_DIR: dataDir, LOG_LEVEL: "silent" };
  delete env.DATABASE_URL;
  return spawnSync(tsx, ["--conditions=react-server", path.join(root, "scripts", "audit-verify.ts"), ...args], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
}

describe("npm run audit:verify", () => {
  beforeAll(async () => {
    await withDb(async ({ db }) => {
      await db.transaction(async (tx) => {
        await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
        await tx.execute(sql`INSERT INTO organizations (id, slug, name) VALUES (${orgId}, 'cli-campaign', 'CLI')`);
      });
      for (let i = 0; i < 6; i++) await recordAuditEvent(db, { orgId, actor, action: "contact.created" });
      await recordAuditEvent(db, { actor, action: "auth.sign_out" });
      const blobs = createLocalBlobStore(path.join(dataDir, "blobs"));
      const run = await archiveExpiredEvents(db, blobs, createOrgKeyArchiveSealer(db), { orgId, now: new Date(Date.now() + 20 * 86_400_000) });
      expect(run.events).toBe(6);
      await recordAuditEvent(db, { orgId, actor, action: "contact.deleted" });
    });
  }, 120_000);

  it("walks every chain, through the encrypted archive, and says they verify", () => {
    const run = verify();
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(`${orgId}: ok (8 events, 1 archives)`);
    expect(run.stdout).toContain(`account events, shard ${accountShardOf(actor.id)}: ok (1 events, 0 archives)`);
    expect(run.stdout).toContain("All 2 chains verify (9 events).");
    expect(run.status).toBe(0);
  });

  it("reports the first broken link and exits 1 after an owner edits an event", async () => {
    await withDb(async ({ db }) =>
      db.transaction(async (tx) => {
        await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
        await tx.execute(sql.raw("SET LOCAL session_replication_role = replica"));
        await tx.execute(sql`UPDATE audit_events SET action = 'contact.updated' WHERE org_id = ${orgId} AND seq = 8`);
      }),
    );
    const run = verify("--org", orgId);
    expect(run.stdout).toMatch(new RegExp(`${orgId}: BROKEN at event 8 \\(.+\\): hash_mismatch`));
    expect(run.stdout).toContain("1 of 1 chains are BROKEN.");
    expect(run.status).toBe(1);
  });

  it("refuses clearly while the app holds the embedded database", () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(dataDir, "db.lock"), JSON.stringify({ pid: holder.pid, since: new Date().toISOString() }));
      const run = verify();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`is in use by process ${holder.pid}`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.kill();
      fs.rmSync(path.join(dataDir, "db.lock"), { force: true });
    }
  });
});
