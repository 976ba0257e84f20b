import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asOwner, newOrg } from "@/lib/audit/test-helpers";
import { withPerson } from "@/lib/db/tenant";
import { policyReadReceipts } from "@/db/schema";
import { createOutboxMailer, type Mailer } from "@/lib/mail";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { mailOwnersAboutPolicyChanges, markPoliciesRead, unreadPolicyVersions } from "./notices";
import { currentPolicyVersions, versionConcerns } from "./registry";

describe.each(testBackends())("policy notices (%s)", (backend) => {
  let t: TestDatabase;
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-policies-"));
  const deps = { mailer: createOutboxMailer(outbox, "rampart@example.test"), appUrl: "https://rampart.example.test" };
  const mails = () => fs.readdirSync(outbox).map((f) => JSON.parse(fs.readFileSync(path.join(outbox, f), "utf8")) as { to: string; subject: string; text: string });
  const longAgo = "2020-01-01T00:00:00Z";
  /** Versions an account created long ago has not seen: every current one. */
  const concerning = currentPolicyVersions().filter((v) => versionConcerns(v, new Date(longAgo)));
  const person = async (name: string, createdAt: string) => {
    const id = randomUUID();
    await asOwner(t, `INSERT INTO users (id, email, name, created_at) VALUES ('${id}', '${name}-${backend}@example.test', '${name}', '${createdAt}')`);
    return id;
  };
  let veteranOwner = "";
  let newcomerOwner = "";
  let member = "";

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const org = await newOrg(t, `policies-${backend}`);
    veteranOwner = await person("veteran", longAgo);
    newcomerOwner = await person("newcomer", new Date(Date.now() + 86_400_000 * 3650).toISOString());
    member = await person("member", longAgo);
    await asOwner(t, `INSERT INTO memberships (org_id, user_id, role) VALUES ('${org}', '${veteranOwner}', 'owner'), ('${org}', '${newcomerOwner}', 'owner'), ('${org}', '${member}', 'volunteer')`);
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("shows a member the notice until they read the newest versions; reading is recorded once", async () => {
    expect(concerning.length).toBeGreaterThan(0);
    expect(await unreadPolicyVersions(t.db, member)).toEqual(concerning);
    expect(await markPoliciesRead(t.db, member)).toBe(concerning.length);
    expect(await unreadPolicyVersions(t.db, member)).toEqual([]);
    expect(await markPoliciesRead(t.db, member)).toBe(0);
    const events = await asOwner<{ action: string; metadata: Record<string, string> }>(t, `SELECT action, metadata FROM audit_events WHERE actor_id = '${member}' ORDER BY created_at, seq`);
    expect(events.map((e) => `${e.action} ${e.metadata.document} ${e.metadata.version}`)).toEqual(concerning.map((v) => `policy.read ${v.document} ${v.version}`));
  });

  it("shows no notice for versions published before the account existed", async () => {
    expect(await unreadPolicyVersions(t.db, newcomerOwner)).toEqual([]);
  });

  it("keeps read receipts to their person", async () => {
    await expect(withPerson(t.db, member, (tx) => tx.insert(policyReadReceipts).values({ userId: veteranOwner, document: "privacy", version: "2026-12-06" }))).rejects.toThrow();
    const seen = await withPerson(t.db, veteranOwner, (tx) => tx.select().from(policyReadReceipts));
    expect(seen).toEqual([]);
  });

  it("mails each owner once per new version, and nobody else", async () => {
    const first = await mailOwnersAboutPolicyChanges(t.db, deps);
    expect(first).toEqual({ sent: concerning.length, failed: 0 });
    expect(await mailOwnersAboutPolicyChanges(t.db, deps)).toEqual({ sent: 0, failed: 0 });
    const sent = mails();
    expect(sent.map((m) => m.to)).toEqual(concerning.map(() => `veteran-${backend}@example.test`));
    expect(sent.some((m) => m.text.includes("https://rampart.example.test/security"))).toBe(true);
    const recorded = await asOwner<{ n: number }>(t, `SELECT count(*)::int AS n FROM audit_events WHERE action = 'policy.owner_notified' AND target_id = '${veteranOwner}'`);
    expect(recorded).toEqual([{ n: concerning.length }]);
  });

  it("retries an owner whose mail failed, without mailing the others again", async () => {
    await asOwner(t, "DELETE FROM policy_owner_mailings");
    const failing: Mailer = { send: () => Promise.reject(new Error("smtp down")) };
    expect(await mailOwnersAboutPolicyChanges(t.db, { ...deps, mailer: failing })).toEqual({ sent: 0, failed: concerning.length });
    expect(await asOwner(t, "SELECT count(*)::int AS n FROM policy_owner_mailings")).toEqual([{ n: 0 }]);
    expect(await mailOwnersAboutPolicyChanges(t.db, deps)).toEqual({ sent: concerning.length, failed: 0 });
  });
});
