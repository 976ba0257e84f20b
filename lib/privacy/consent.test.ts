import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, sql } from "drizzle-orm";
import { consentRecords } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";

// Explicit secrets: lib/keys then derives the address-hash key from them instead of generating a key file.
vi.hoisted(() => {
  process.env.AUTH_SECRET = "consent-test-secret-".padEnd(48, "x");
  process.env.RAMPART_MASTER_KEYS = `k1:${Buffer.alloc(32, 7).toString("base64")}`;
});

const { recordConsent, consentHistory } = await import("./consent");
const { CONSENT_POLICY_VERSION } = await import("./consent-policy");
const { hashClientAddress } = await import("@/lib/keys");

const ADDRESS = "203.0.113.77";

/** The PostgreSQL error code, wherever the driver and drizzle put it. */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return e?.code ?? e?.cause?.code;
}

describe.each(testBackends())("recordConsent (%s)", (backend) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  it("records the choice, categories and policy version with only a keyed hash of the address", async () => {
    const state = await recordConsent(t.db, { choice: { choice: "accept_all" }, clientAddress: ADDRESS });
    expect(state).toEqual({ consentId: expect.any(String), policyVersion: CONSENT_POLICY_VERSION, categories: { necessary: true, preferences: true } });

    const rows = await t.db.select().from(consentRecords).where(eq(consentRecords.consentId, state.consentId));
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ choice: "accept_all", policyVersion: CONSENT_POLICY_VERSION, categories: { necessary: true, preferences: true } });
    expect(row.clientAddressHash).toBe(hashClientAddress(ADDRESS));
    expect(row.clientAddressHash).not.toContain(ADDRESS);
    // Keyed: not the plain digest anyone could recompute for every IPv4 address.
    const plain = createHash("sha256").update(ADDRESS).digest();
    expect([plain.toString("hex"), plain.toString("base64url")].some((d) => d.startsWith(row.clientAddressHash!))).toBe(false);
    expect(JSON.stringify(row)).not.toContain(ADDRESS);
    expect(row.createdAt).toBeInstanceOf(Date);
  });

  it("stores no address hash when the address is unknown", async () => {
    const state = await recordConsent(t.db, { choice: { choice: "reject_all" }, clientAddress: null });
    const [row] = await t.db.select().from(consentRecords).where(eq(consentRecords.consentId, state.consentId));
    expect(row?.clientAddressHash).toBeNull();
  });

  it("keeps the consent id on a change of mind and adds a row instead of overwriting the proof", async () => {
    const first = await recordConsent(t.db, { choice: { choice: "accept_all" }, clientAddress: ADDRESS });
    const second = await recordConsent(t.db, { choice: { choice: "custom", categories: { preferences: false } }, previousConsentId: first.consentId, clientAddress: ADDRESS });
    expect(second.consentId).toBe(first.consentId);
    expect(second.categories.preferences).toBe(false);
    const history = await consentHistory(t.db, first.consentId);
    expect(history.map((r) => r.choice).sort()).toEqual(["accept_all", "custom"]);
  });

  it("keeps the proof append-only: the app role can neither update nor delete it", async () => {
    const state = await recordConsent(t.db, { choice: { choice: "reject_all" }, clientAddress: ADDRESS });
    const who = await t.db.execute(sql`select current_user as role`);
    expect((who as unknown as { rows: Array<{ role: string }> }).rows[0]?.role).toBe("rampart_app");

    const update = await t.db.update(consentRecords).set({ choice: "accept_all" }).where(eq(consentRecords.consentId, state.consentId)).then(() => null, (err: unknown) => err);
    const remove = await t.db.delete(consentRecords).where(eq(consentRecords.consentId, state.consentId)).then(() => null, (err: unknown) => err);
    for (const err of [update, remove]) expect(errorCode(err)).toBe("42501"); // insufficient_privilege
    const rows = await consentHistory(t.db, state.consentId);
    expect(rows).toEqual([expect.objectContaining({ choice: "reject_all" })]);
  });
});
