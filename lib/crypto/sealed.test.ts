import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, type Contact } from "@/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { activateNewDataKey, activeDataKey } from "./data-keys";
import { CiphertextFormatError, DecryptionError, WrongPlaceError } from "./errors";
import { sealWithKey } from "./fields";
import { sealedTable } from "./sealed";
import { createOrganization, useTestMasterKeys } from "./test-support";

/**
 * openAll is the page path (a contacts page opens ≈400 fields at once, each key version unwrapped once per page):
 * whatever it keeps from row to row, every field still opens only at its own place.
 */
describe.each(testBackends())("a page of sealed rows (%s)", (backend) => {
  let t: TestDatabase;
  let orgA: string, orgB: string;
  const table = sealedTable(contacts, { id: "id", orgId: "orgId" });

  const sealRow = (orgId: string, name: string) =>
    withTenant(t.db, { orgId }, async (tx) =>
      (await table.seal(tx, { id: randomUUID(), orgId, name, email: `${name.toLowerCase()}@example.org`, phone: "+44 20 7946 0000" })) as unknown as Contact,
    );
  const openPage = (orgId: string, rows: Contact[]) => withTenant(t.db, { orgId }, (tx) => table.openAll(tx, rows));
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e,
    );

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    orgA = await createOrganization(t.db);
    orgB = await createOrganization(t.db);
  });
  afterAll(async () => t?.drop());

  it("opens a page whose rows were sealed under different key versions", async () => {
    const old = await sealRow(orgA, "Amara");
    await withTenant(t.db, { orgId: orgA }, (tx) => activateNewDataKey(tx, orgA));
    const fresh = await sealRow(orgA, "Tomasz");
    const opened = await openPage(orgA, [old, fresh, old]);
    expect(opened.map((r) => [r.name, r.email])).toEqual([
      ["Amara", "amara@example.org"],
      ["Tomasz", "tomasz@example.org"],
      ["Amara", "amara@example.org"],
    ]);
  });

  it("refuses a field moved to another row of the same page, after that row's own fields opened", async () => {
    const [a, b] = [await sealRow(orgA, "Mei"), await sealRow(orgA, "Oliver")];
    expect((await openPage(orgA, [a, b])).map((r) => r.name)).toEqual(["Mei", "Oliver"]);
    expect(await failure(openPage(orgA, [a, { ...b, email: a.email }]))).toBeInstanceOf(WrongPlaceError);
    expect(await failure(openPage(orgA, [a, { ...b, id: a.id }]))).toBeInstanceOf(WrongPlaceError);
  });

  it("refuses a field moved to another column of its own row", async () => {
    const a = await sealRow(orgA, "Fatima");
    expect(await failure(openPage(orgA, [a, { ...a, phone: a.email }]))).toBeInstanceOf(WrongPlaceError);
    expect(await failure(openPage(orgA, [{ ...a, name: a.email! as unknown as Contact["name"] }]))).toBeInstanceOf(WrongPlaceError);
  });

  it("refuses a value that opens at its place but is not UTF-8 JSON, whatever the rest of the page", async () => {
    const a = await sealRow(orgA, "Nadia");
    const sealAt = (bytes: Uint8Array) =>
      withTenant(t.db, { orgId: orgA }, async (tx) => sealWithKey(await activeDataKey(tx, orgA), { orgId: orgA, table: "contacts", column: "email", rowId: a.id }, bytes));
    for (const bytes of [Buffer.from([0x22, 0xc3, 0x28, 0x22]), Buffer.from('"unterminated'), Buffer.from([0xff, 0xfe])]) {
      const bad = { ...a, email: (await sealAt(bytes)) as unknown as Contact["email"] };
      expect(await failure(openPage(orgA, [a, bad]))).toBeInstanceOf(CiphertextFormatError);
    }
    expect((await openPage(orgA, [{ ...a, email: (await sealAt(Buffer.from('"zoë@example.org"'))) as unknown as Contact["email"] }]))[0]!.email).toBe("zoë@example.org");
  });

  it("refuses a row copied into another campaign's page, even when that page opened rows of its own first", async () => {
    // Both campaigns at key version 1, so the header's version matches and the other campaign's key is tried.
    const orgC = await createOrganization(t.db);
    const [a, b] = [await sealRow(orgB, "Rhys"), await sealRow(orgC, "Sofia")];
    expect(await failure(openPage(orgC, [b, { ...a, orgId: orgC }]))).toBeInstanceOf(DecryptionError);
  });

  it("seals with a key the caller holds exactly as seal() does, and refuses another campaign's key", async () => {
    const key = await withTenant(t.db, { orgId: orgB }, (tx) => activeDataKey(tx, orgB));
    const row = table.sealWith(key, { id: randomUUID(), orgId: orgB, name: "Ines", email: "ines@example.org", phone: null }) as unknown as Contact;
    expect(row.phone).toBeNull();
    expect((await openPage(orgB, [row]))[0]).toMatchObject({ name: "Ines", email: "ines@example.org", phone: null });
    expect(() => table.sealWith(key, { id: randomUUID(), orgId: orgA, name: "Wrong Campaign" })).toThrow(/not of the row's organisation/);
  });
});

