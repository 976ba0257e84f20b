import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { desc, eq } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { asOwner } from "@/lib/audit/test-helpers";
import { contactInputSchema } from "@/lib/contacts/input";
import { contactCardColumns, openContacts } from "@/lib/contacts/sealed";
import { insertContacts } from "@/lib/contacts/write-rows";
import type { Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { activateNewDataKey, dataKeyRowReads, noteDataKeysDigest, tenantDataKeysDigest } from "./data-keys";
import { KeyUnavailableError } from "./errors";
import { createOrganization, useTestMasterKeys } from "./test-support";

/**
 * A page selects a digest of its campaign's data-key rows beside the rows (contactCardColumns), and opens its cards
 * with the key rows this process last read when, and only when, that digest is still theirs. Key changes made by
 * another process (here: straight in the database, so this process's own forgetting plays no part) must be seen at
 * once: a retired or destroyed key refuses, a new or re-wrapped one is read.
 */
describe.each(testBackends())("a page's key rows, reused while their digest holds (%s)", (backend) => {
  let t: TestDatabase;

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  const campaign = async (names: string[]) => {
    const orgId = await createOrganization(t.db);
    await withTenant(t.db, { orgId }, (tx) => insertContacts(tx, orgId, names.map((name) => contactInputSchema.parse({ name, email: `${name.toLowerCase()}@example.org` })), { source: "manual" }));
    return orgId;
  };
  const readPage = (tx: Transaction, orgId: string) =>
    tx.select({ id: contacts.id, orgId: contacts.orgId, ...contactCardColumns }).from(contacts).where(eq(contacts.orgId, orgId)).orderBy(desc(contacts.createdAt), desc(contacts.id));
  const page = (orgId: string) => withTenant(t.db, { orgId }, async (tx) => openContacts(tx, await readPage(tx, orgId)));
  /** The page, and how many times its transaction read key rows and reused them. */
  const counted = async (orgId: string) => {
    const before = dataKeyRowReads();
    const rows = await page(orgId);
    const after = dataKeyRowReads();
    return { rows, read: after.read - before.read, reused: after.reused - before.reused };
  };
  const names = (rows: { name: string }[]) => rows.map((r) => r.name).sort();
  const owner = (orgId: string, set: string) => asOwner(t, `update org_keys set ${set} where org_id = '${orgId}' and kind = 'data' and version = 1`, { bypassTriggers: true });

  it("reads the key rows once, then opens later pages with them and no lookup", async () => {
    const orgId = await campaign(["Amara", "Tomasz"]);
    const first = await counted(orgId);
    expect(names(first.rows)).toEqual(["Amara", "Tomasz"]);
    expect(first.read).toBe(1);
    const again = await counted(orgId);
    expect(names(again.rows)).toEqual(["Amara", "Tomasz"]);
    expect(again).toMatchObject({ read: 0, reused: 1 });
  });

  it("leaves the digest out of the opened rows", async () => {
    const orgId = await campaign(["Mei"]);
    const raw = await withTenant(t.db, { orgId }, (tx) => readPage(tx, orgId));
    expect(raw[0]!.dataKeys).toMatch(new RegExp(`^${orgId} [0-9a-f]{64}$`));
    const [opened] = await page(orgId);
    expect(Object.keys(opened!)).not.toContain("dataKeys");
  });

  it("refuses at once a key retired by another process, though this one read it just before", async () => {
    const orgId = await campaign(["Oliver"]);
    await page(orgId);
    await page(orgId);
    await owner(orgId, "status = 'retired', wrapped_key = null, master_key_id = null, retired_at = now()");
    const err = await page(orgId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyUnavailableError);
    expect((err as Error).message).toMatch(/version 1 of organisation .* was retired/);
  });

  it("refuses at once a key destroyed (crypto-shredded) by another process", async () => {
    const orgId = await campaign(["Fatima"]);
    await page(orgId);
    await owner(orgId, "status = 'destroyed', wrapped_key = null, master_key_id = null, retired_at = now()");
    await expect(page(orgId)).rejects.toThrow(/were destroyed \(crypto-shredded\)/);
  });

  it("reads the rows again when a key is added or its wrapping changes, and opens both versions", async () => {
    const orgId = await campaign(["Rhys"]);
    await page(orgId);
    await withTenant(t.db, { orgId }, (tx) => activateNewDataKey(tx, orgId));
    await withTenant(t.db, { orgId }, (tx) => insertContacts(tx, orgId, [contactInputSchema.parse({ name: "Sofia" })], { source: "manual" }));
    const rotated = await counted(orgId);
    expect(names(rotated.rows)).toEqual(["Rhys", "Sofia"]);
    expect(rotated).toMatchObject({ read: 1, reused: 0 });
    expect(await counted(orgId)).toMatchObject({ read: 0, reused: 1 });
    // A change of any column of a key row is a new digest: one that still reads is read again, not reused…
    await owner(orgId, "retired_at = now()");
    expect(await counted(orgId)).toMatchObject({ read: 1, reused: 0 });
    // …and wrapped bytes changed (as a re-wrap changes them) are read too: these no longer unwrap, whatever this process holds.
    await owner(orgId, "wrapped_key = wrapped_key || '\\x00'::bytea");
    await expect(page(orgId)).rejects.toThrow(/failed authentication/);
  });

  it("takes no digest but its own transaction's statement's, and ignores what is not one", async () => {
    const a = await campaign(["Kwame"]);
    const b = await campaign(["Hannah"]);
    await page(a);
    await page(b);
    const digestOfA = (await withTenant(t.db, { orgId: a }, (tx) => tx.select({ d: tenantDataKeysDigest }).from(contacts).limit(1)))[0]!.d!;
    // A digest names its campaign: noting A's in B's transaction gives B nothing, and B's page still reads B's keys.
    const inB = await withTenant(t.db, { orgId: b }, async (tx) => {
      const before = dataKeyRowReads();
      noteDataKeysDigest(tx, digestOfA);
      for (const junk of [null, 42, "", " ", `${b}`, `${b} ${"0".repeat(64)}`, digestOfA.replace(a, b)]) noteDataKeysDigest(tx, junk);
      const rows = await openContacts(tx, (await readPage(tx, b)).map(({ dataKeys: _, ...r }) => r));
      return { rows, reads: dataKeyRowReads().read - before.read };
    });
    expect(names(inB.rows)).toEqual(["Hannah"]);
    expect(inB.reads).toBe(1);
  });
});
