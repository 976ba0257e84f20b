import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, contacts, reports } from "@/db/schema";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { assignableMembers } from "./assignees";
import { assignContact, createContact, deleteContact, setContactTags, updateContact } from "./commands";
import { getContact } from "./get-contact";
import { CONTACT_COUNT_CAP, CONTACT_FILTERED_COUNT_CAP, contactPosition, contactTagsInUse, listContacts, type ContactListQuery } from "./list-contacts";
import { decodeTimeIdCursor } from "@/lib/pagination/keyset";
import type { Transaction } from "@/lib/db/client";
import { classifySearch } from "./search";
import type { ContactViewer } from "./visibility";
import { NotFoundError, RuleError } from "@/lib/errors";
import { sealedContacts } from "./sealed";
import { contactInputSchema } from "./input";
import { deleteContactRows, insertContacts, updateContactFields } from "./write-rows";

/** A refusal the person reads as-is, as opposed to a "not found". */
const refused = (e: unknown) => e instanceof RuleError && !(e instanceof NotFoundError);
/** "Not there, or not yours to see" about a contact or a list, told apart by its message. */
const notFound = (what: RegExp) => (e: unknown) => e instanceof NotFoundError && what.test(e.message);

describe("classifySearch", () => {
  it("reads emails, phone numbers and names", () => {
    expect(classifySearch("Maria@Example.org")).toBe("email");
    expect(classifySearch("+44 (20) 7946-0958")).toBe("phone");
    expect(classifySearch("020 7946")).toBe("phone");
    expect(classifySearch("123")).toBe("name");
    expect(classifySearch("maria lopez")).toBe("name");
  });
});

describe.each(testBackends())("contacts as people see them (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const ids: Record<string, string> = {};
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ContactViewer => ({ orgId, userId, role });
  const admin = () => viewer(f.admin, "admin");
  const volunteer = () => viewer(f.volunteer, "volunteer");
  const as = <T>(v: ContactViewer, fn: (tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const eventsFor = (id: string) =>
    as(admin(), async (tx) =>
      (await tx.select({ action: auditEvents.action, metadata: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.targetType, "contact"), eq(auditEvents.targetId, id)))).map(
        (e) => e.action,
      ),
    );

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
    ids.maria = await as(admin(), (tx) => createContact(tx, admin(), { name: "María Lopez", email: "maria.lopez@example.org", phone: "+44 20 7946 0958", notes: "Campaign note", tags: ["donor"] }));
    ids.marchetti = await as(admin(), (tx) => createContact(tx, admin(), { name: "Luca Marchetti", email: "luca@example.org" }));
    ids.assigned = await as(admin(), (tx) =>
      createContact(tx, admin(), { name: "Sam Okafor", phone: "07700 900123", notes: "Private campaign note", tags: ["ward-5"] }, { assignedTo: f.volunteer }),
    );
    ids.synced = await as(volunteer(), async (tx) =>
      (await insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Aunt Jo", email: "jo@example.org", notes: "Mine" })], { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }))[0]!,
    );
    ids.other = await withTenant(t.db, { orgId: f.orgB, userId: f.ownerB }, (tx) => createContact(tx, viewer(f.ownerB, "owner", f.orgB), { name: "Rival Person" }));
  }, 60_000);
  afterAll(async () => t?.drop());

  describe("search", () => {
    const search = (q: string, v = admin()) => as(v, async (tx) => (await listContacts(tx, v, { q })).rows.map((r) => r.id));

    it("finds an exact email whatever its case and surrounding spaces", async () => {
      expect(await search("  MARIA.Lopez@Example.ORG ")).toEqual([ids.maria]);
      expect(await search("maria@example.org")).toEqual([]);
      expect(await search("not-an-email@")).toEqual([]);
    });

    it("finds a phone number written another way", async () => {
      expect(await search("+44 (20) 7946-0958")).toEqual([ids.maria]);
      expect(await search("07700-900-123")).toEqual([ids.assigned]);
    });

    it("finds names by the start of each word, every word required, accents folded", async () => {
      expect((await search("mar")).sort()).toEqual([ids.maria, ids.marchetti].sort());
      expect(await search("maria lop")).toEqual([ids.maria]);
      expect(await search("lop luca")).toEqual([]);
      expect(await search("MARCHETTI")).toEqual([ids.marchetti]);
      expect(await search("--")).toEqual([]);
    });

    it("needs no name in clear: the stored card and tokens do not contain it", async () => {
      const rows = await withTenant(t.db, { orgId: f.orgA }, async (tx) =>
        resultRows<{ card: Buffer; name: Buffer | null }>(await tx.execute(sql`select card, name from contacts where id = ${ids.maria}::uuid`)),
      );
      expect(rows[0]!.name).toBeNull();
      expect(Buffer.from(rows[0]!.card).toString("latin1")).not.toMatch(/lopez/i);
      const tokens = await withTenant(t.db, { orgId: f.orgA }, async (tx) => resultRows<{ token: Buffer }>(await tx.execute(sql`select unnest(name_tokens) as token from contacts where id = ${ids.maria}::uuid`)));
      expect(tokens.length).toBeGreaterThan(0);
      for (const { token } of tokens) expect(Buffer.from(token).toString("latin1")).not.toMatch(/lop|mar/i);
    });

    it("a volunteer's search stays within what they see", async () => {
      expect(await search("maria.lopez@example.org", volunteer())).toEqual([]);
      expect(await search("sam", volunteer())).toEqual([ids.assigned]);
      expect(await search("aunt", volunteer())).toEqual([ids.synced]);
      expect(await search("aunt")).toEqual([]);
    });
  });

  describe("filters", () => {
    it("filters managers by tag and assignee; volunteers' filters are ignored", async () => {
      const list = (v: ContactViewer, q: Parameters<typeof listContacts>[2]) => as(v, async (tx) => (await listContacts(tx, v, q)).rows.map((r) => r.id).sort());
      expect(await list(admin(), { tag: "donor" })).toEqual([ids.maria]);
      expect(await list(admin(), { assignedTo: f.volunteer })).toEqual([ids.assigned]);
      expect(await list(admin(), { assignedTo: "none" })).toEqual([ids.maria, ids.marchetti].sort());
      expect(await list(volunteer(), { tag: "donor" })).toEqual([ids.assigned, ids.synced].sort());
    });

    it("offers managers the tags in use and the active members; volunteers neither", async () => {
      expect(await as(admin(), (tx) => contactTagsInUse(tx, admin()))).toEqual(expect.arrayContaining(["donor", "ward-5"]));
      expect((await as(admin(), (tx) => assignableMembers(tx, admin()))).map((m) => m.id).sort()).toEqual([f.owner, f.admin, f.volunteer, f.volunteer2].sort());
      expect(await as(volunteer(), (tx) => contactTagsInUse(tx, volunteer()))).toEqual([]);
      expect(await as(volunteer(), (tx) => assignableMembers(tx, volunteer()))).toEqual([]);
    });
  });

  describe("what each role is given", () => {
    it("a volunteer lists only what is assigned to them and what they synced, in the reach-out shape", async () => {
      const page = await as(volunteer(), (tx) => listContacts(tx, volunteer()));
      expect(page.view).toBe("reach_out");
      expect(page.rows.map((r) => r.id).sort()).toEqual([ids.assigned, ids.synced].sort());
      for (const row of page.rows) {
        expect(Object.keys(row).sort()).toEqual(["address", "createdAt", "email", "id", "name", "phone", "syncedByMe", "view"]);
      }
      const v2 = viewer(f.volunteer2, "volunteer");
      expect((await as(v2, (tx) => listContacts(tx, v2))).rows).toEqual([]);
    });

    it("a volunteer never gets a campaign contact's notes, but gets their own synced contact's", async () => {
      const assigned = await as(volunteer(), (tx) => getContact(tx, volunteer(), ids.assigned!));
      expect(assigned).toMatchObject({ view: "reach_out", name: "Sam Okafor", notes: null, canEdit: false });
      expect(assigned).not.toHaveProperty("tags");
      expect(assigned).not.toHaveProperty("assignee");
      const mine = await as(volunteer(), (tx) => getContact(tx, volunteer(), ids.synced!));
      expect(mine).toMatchObject({ view: "reach_out", notes: "Mine", canEdit: true, syncedByMe: true });
    });

    it("managers get the full shape, notes and tags included", async () => {
      const c = await as(admin(), (tx) => getContact(tx, admin(), ids.assigned!));
      expect(c).toMatchObject({ view: "full", notes: "Private campaign note", tags: ["ward-5"], assignee: { id: f.volunteer, name: "volunteer" }, canEdit: true });
    });

    it("a contact not visible, another campaign's, or a malformed id is null", async () => {
      expect(await as(volunteer(), (tx) => getContact(tx, volunteer(), ids.maria!))).toBeNull();
      expect(await as(admin(), (tx) => getContact(tx, admin(), ids.other!))).toBeNull();
      const ownerB = viewer(f.ownerB, "owner", f.orgB);
      expect(await withTenant(t.db, { orgId: f.orgB, userId: f.ownerB }, (tx) => getContact(tx, ownerB, ids.maria!))).toBeNull();
      expect(await as(admin(), (tx) => getContact(tx, admin(), "not-a-uuid"))).toBeNull();
      expect(await as(admin(), (tx) => getContact(tx, viewer(f.admin, "admin"), randomUUID()))).toBeNull();
    });

    it("an admin sees a volunteer's synced contact only after the volunteer completed a report on it, and never its notes", async () => {
      const [id] = await as(volunteer(), (tx) =>
        insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Cousin Ray", notes: "volunteer's own" })], { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }),
      );
      expect(await as(admin(), (tx) => getContact(tx, admin(), id!))).toBeNull();
      const reportId = randomUUID();
      await as(volunteer(), (tx) => tx.insert(reports).values({ id: reportId, orgId: f.orgA, contactId: id!, filedBy: f.volunteer, outcome: "reached" }));
      expect(await as(admin(), (tx) => getContact(tx, admin(), id!))).toBeNull();
      await as(volunteer(), (tx) => tx.update(reports).set({ completedAt: new Date() }).where(eq(reports.id, reportId)));
      const seen = await as(admin(), (tx) => getContact(tx, admin(), id!));
      expect(seen).toMatchObject({ name: "Cousin Ray", notes: null, synced: true, canEdit: false });
      await expect(as(admin(), (tx) => updateContact(tx, admin(), id!, { name: "Changed" }))).rejects.toSatisfy(refused);
      await expect(as(admin(), (tx) => deleteContact(tx, admin(), id!))).rejects.toSatisfy(refused);
    });
  });

  describe("volunteers cannot change campaign contacts", () => {
    it("the lib refuses", async () => {
      await expect(as(volunteer(), (tx) => updateContact(tx, volunteer(), ids.assigned!, { name: "X" }))).rejects.toSatisfy(refused);
      await expect(as(volunteer(), (tx) => deleteContact(tx, volunteer(), ids.assigned!))).rejects.toSatisfy(refused);
      await expect(as(volunteer(), (tx) => assignContact(tx, volunteer(), ids.assigned!, f.volunteer2))).rejects.toSatisfy(refused);
      await expect(as(volunteer(), (tx) => setContactTags(tx, volunteer(), ids.assigned!, ["x"]))).rejects.toSatisfy(refused);
      await expect(as(volunteer(), (tx) => createContact(tx, volunteer(), { name: "X" }))).rejects.toSatisfy(refused);
      await expect(as(volunteer(), (tx) => updateContact(tx, volunteer(), ids.maria!, { name: "X" }))).rejects.toSatisfy(notFound(/contact/));
      await expect(as(volunteer(), (tx) => deleteContact(tx, volunteer(), ids.maria!))).rejects.toSatisfy(notFound(/contact/));
    });

    it("row-level security refuses too, without the lib's checks", async () => {
      expect(await as(volunteer(), (tx) => updateContactFields(tx, f.orgA, ids.assigned!, { name: "X" }))).toBeNull();
      expect(await as(volunteer(), (tx) => deleteContactRows(tx, f.orgA, [ids.assigned!, ids.maria!]))).toEqual([]);
      expect(await as(volunteer(), (tx) => tx.update(contacts).set({ assignedTo: f.volunteer2 }).where(eq(contacts.id, ids.assigned!)).returning())).toEqual([]);
      const still = await as(admin(), (tx) => getContact(tx, admin(), ids.assigned!));
      expect(still).toMatchObject({ name: "Sam Okafor", assignee: { id: f.volunteer } });
    });

    it("a volunteer edits and deletes a contact they synced", async () => {
      const [id] = await as(volunteer(), (tx) =>
        insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Old Friend" })], { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }),
      );
      expect(await as(volunteer(), (tx) => updateContact(tx, volunteer(), id!, { name: "Old Friend", phone: "555 0100" }))).toEqual(["phone"]);
      expect(await as(volunteer(), (tx) => getContact(tx, volunteer(), id!))).toMatchObject({ phone: "555 0100" });
      await as(volunteer(), (tx) => deleteContact(tx, volunteer(), id!));
      expect(await as(volunteer(), (tx) => getContact(tx, volunteer(), id!))).toBeNull();
    });
  });

  describe("assignment", () => {
    it("assigns only to active members of the campaign", async () => {
      await expect(as(admin(), (tx) => assignContact(tx, admin(), ids.marchetti!, f.outsider))).rejects.toThrow("not a member");
      await expect(as(admin(), (tx) => assignContact(tx, admin(), ids.marchetti!, f.ownerB))).rejects.toThrow("not a member");
      await expect(as(admin(), (tx) => createContact(tx, admin(), { name: "Y" }, { assignedTo: f.ownerB }))).rejects.toThrow("not a member");
      await expect(as(admin(), (tx) => assignContact(tx, admin(), ids.synced!, f.volunteer2))).rejects.toSatisfy(notFound(/contact/));
    });

    it("assigning shows the contact to the volunteer; unassigning hides it again", async () => {
      const v2 = viewer(f.volunteer2, "volunteer");
      await as(admin(), (tx) => assignContact(tx, admin(), ids.marchetti!, f.volunteer2));
      expect(await as(v2, (tx) => getContact(tx, v2, ids.marchetti!))).toMatchObject({ name: "Luca Marchetti" });
      await as(admin(), (tx) => assignContact(tx, admin(), ids.marchetti!, null));
      expect(await as(v2, (tx) => getContact(tx, v2, ids.marchetti!))).toBeNull();
      const events = await eventsFor(ids.marchetti!);
      expect(events.filter((a) => a === "contact.assigned")).toHaveLength(2);
    });
  });

  describe("every write is audited", () => {
    it("create, update, tags, assign and delete each record their event", async () => {
      const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Audit Me", email: "audit@example.org" }, { assignedTo: f.volunteer2 }));
      expect(await eventsFor(id)).toEqual(["contact.created", "contact.assigned"]);
      const [created] = await as(admin(), (tx) => tx.select({ metadata: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, "contact.created"))));
      expect(created!.metadata).toEqual({ source: "manual" });

      expect(await as(admin(), (tx) => updateContact(tx, admin(), id, { name: "Audit Me", email: "new@example.org", notes: "n" }))).toEqual(["email", "notes"]);
      expect(await as(admin(), (tx) => updateContact(tx, admin(), id, { name: "Audit Me", email: "new@example.org", notes: "n" }))).toEqual([]);
      expect(await as(admin(), (tx) => setContactTags(tx, admin(), id, ["A", "b", "a"]))).toEqual({ added: 2, removed: 0 });
      expect(await as(admin(), (tx) => setContactTags(tx, admin(), id, ["b"]))).toEqual({ added: 0, removed: 1 });
      await as(admin(), (tx) => assignContact(tx, admin(), id, f.volunteer));
      await as(admin(), (tx) => deleteContact(tx, admin(), id));
      expect(await eventsFor(id)).toEqual(["contact.created", "contact.assigned", "contact.updated", "contact.tags_changed", "contact.tags_changed", "contact.assigned", "contact.deleted"]);
      const [updated] = await as(admin(), (tx) => tx.select({ metadata: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, "contact.updated"))));
      expect(updated!.metadata).toEqual({ fields: ["email", "notes"] });
      expect(await withTenant(t.db, { orgId: f.orgA }, async (tx) => (await tx.select().from(contacts).where(eq(contacts.id, id))).length)).toBe(0);
      // The index moved with the email: the old one finds nothing.
      expect((await as(admin(), (tx) => listContacts(tx, admin(), { q: "audit@example.org" }))).count.value).toBe(0);
    });

    it("a failed write leaves nothing behind", async () => {
      await expect(as(admin(), (tx) => createContact(tx, admin(), { name: "", email: "x" }))).rejects.toThrow();
      await expect(as(admin(), (tx) => setContactTags(tx, admin(), ids.maria!, ["no/slashes"]))).rejects.toThrow();
    });
  });
});

describe.each(testBackends())("contact pages by keyset (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  /** Every orgA contact id in page order (created_at desc, id desc), read as the owner. */
  let order: string[] = [];
  const orgBIds = new Set<string>();
  const admin = (): ContactViewer => ({ orgId: f.orgA, userId: f.admin, role: "admin" });
  const as = <T>(v: ContactViewer, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const asOwner = (query: ReturnType<typeof sql>) =>
    t.db.transaction(async (tx) => {
      await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
      return tx.execute(query);
    });
  /** Follows nextCursor from the first page to the end. */
  const walk = async (v: ContactViewer, query: ContactListQuery = {}) => {
    const ids: string[] = [];
    let page = await as(v, (tx) => listContacts(tx, v, query));
    ids.push(...page.rows.map((r) => r.id));
    while (page.nextCursor) {
      const after = decodeTimeIdCursor(page.nextCursor)!;
      page = await as(v, (tx) => listContacts(tx, v, { ...query, position: { after } }));
      ids.push(...page.rows.map((r) => r.id));
    }
    return ids;
  };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "keyset");
    // Three transactions: rows share a created_at within one (ties broken by id) and differ between them.
    for (const [from, n] of [
      [0, 100],
      [100, 100],
      [200, 30],
    ] as const) {
      const values = Array.from({ length: n }, (_, k) => contactInputSchema.parse({ name: `Person ${from + k}`, tags: (from + k) % 3 === 0 ? ["door"] : [] }));
      await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => insertContacts(tx, f.orgA, values, { source: "import", createdBy: f.admin, }));
    }
    await asOwner(sql`update contacts set assigned_to = ${f.volunteer} where org_id = ${f.orgA} and id in (select id from contacts where org_id = ${f.orgA} order by id limit 23)`);
    const rival = Array.from({ length: 5 }, (_, k) => contactInputSchema.parse({ name: `Rival ${k}` }));
    for (const id of await withTenant(t.db, { orgId: f.orgB, userId: f.ownerB }, (tx) => insertContacts(tx, f.orgB, rival, { source: "import", createdBy: f.ownerB }))) orgBIds.add(id);
    order = resultRows<{ id: string }>(await asOwner(sql`select id from contacts where org_id = ${f.orgA} order by created_at desc, id desc`)).map((r) => r.id);
  }, 240_000);
  afterAll(async () => t?.drop());

  it("walks Next to the end and Previous back to the start with no duplicates or gaps, decrypting only the page", async () => {
    const spy = vi.spyOn(sealedContacts, "openAll");
    try {
      const first = await as(admin(), (tx) => listContacts(tx, admin()));
      expect(first.rows).toHaveLength(50);
      expect(first.count).toEqual({ value: 230, exact: true });
      expect(first.prevCursor).toBeNull();
      expect(spy.mock.calls.reduce((n, [, rows]) => n + rows.length, 0)).toBe(50);
    } finally {
      spy.mockRestore();
    }
    expect(order).toHaveLength(230);
    expect(await walk(admin())).toEqual(order);
    expect(await walk(admin(), { pageSize: 100 })).toEqual(order);

    // The oldest page, then Previous back to the newest.
    const last = await as(admin(), (tx) => listContacts(tx, admin(), { position: "last" }));
    expect(last.rows.map((r) => r.id)).toEqual(order.slice(-50));
    expect(last.nextCursor).toBeNull();
    const back: string[][] = [last.rows.map((r) => r.id)];
    let page = last;
    while (page.prevCursor) {
      const before = decodeTimeIdCursor(page.prevCursor)!;
      page = await as(admin(), (tx) => listContacts(tx, admin(), { position: { before } }));
      back.unshift(page.rows.map((r) => r.id));
    }
    // Previous near the top shows the newest page whole (here 50 rows overlapping the next one by 20).
    expect(back[0]).toEqual(order.slice(0, 50));
    expect(new Set(back.flat())).toEqual(new Set(order));
    expect(page.prevCursor).toBeNull();
    expect(page.nextCursor).not.toBeNull();
  }, 60_000);

  it("keeps the filters across pages and counts them exactly", async () => {
    const door = await walk(admin(), { tag: "door", pageSize: 20 });
    const tagged = await as(admin(), (tx) => listContacts(tx, admin(), { tag: "door" }));
    expect(tagged.count).toEqual({ value: 77, exact: true });
    expect(door).toEqual(order.filter((id) => door.includes(id)));
    expect(door).toHaveLength(77);
    expect(await walk(admin(), { q: "pers", pageSize: 30 })).toEqual(order);
    expect(await walk(admin(), { q: "person 7", pageSize: 30 })).toHaveLength(1);
    const assigned = await walk(admin(), { assignedTo: f.volunteer, pageSize: 10 });
    expect(assigned).toHaveLength(23);
  });

  it("pages a volunteer through their own contacts only, in the reach-out view", async () => {
    const v: ContactViewer = { orgId: f.orgA, userId: f.volunteer, role: "volunteer" };
    const mine = await walk(v, { pageSize: 10, tag: "door" });
    expect(mine).toHaveLength(23);
    expect(mine).toEqual(order.filter((id) => mine.includes(id)));
    const page = await as(v, (tx) => listContacts(tx, v, { position: "last", pageSize: 10 }));
    expect(page.view).toBe("reach_out");
    expect(page.count).toEqual({ value: 23, exact: true });
    expect(page.rows.every((r) => mine.includes(r.id))).toBe(true);
  });

  it("refuses tampered cursors and gives another campaign's cursor nothing of theirs", async () => {
    const first = await as(admin(), (tx) => listContacts(tx, admin()));
    const cursor = first.nextCursor!;
    expect(decodeTimeIdCursor(cursor)).not.toBeNull();
    for (const bad of [cursor.slice(0, -3), `${cursor}!`, Buffer.from("1.not-a-uuid").toString("base64url"), Buffer.from("p:2").toString("base64url"), "", "x".repeat(500)]) {
      expect(decodeTimeIdCursor(bad)).toBeNull();
      expect(contactPosition({ after: bad })).toBeNull();
    }
    const forged = Buffer.from(`1.${randomUUID()}' or 1=1`).toString("base64url");
    expect(decodeTimeIdCursor(forged)).toBeNull();
    // A cursor from campaign A read in campaign B: B's own rows, none of A's.
    const rival: ContactViewer = { orgId: f.orgB, userId: f.ownerB, role: "owner" };
    for (const position of [{ after: decodeTimeIdCursor(cursor)! }, { before: decodeTimeIdCursor(first.prevCursor ?? cursor)! }, "last" as const]) {
      const page = await as(rival, (tx) => listContacts(tx, rival, { position }));
      expect(page.rows.every((r) => orgBIds.has(r.id))).toBe(true);
    }
    const mixed = await walk(rival, { pageSize: 2 });
    expect(new Set(mixed)).toEqual(orgBIds);
  });

  it("counts exactly up to 10,000 (a filter up to 1,000), then says 10,000+ (1,000+) without counting the rest", async () => {
    // Undecryptable copies older than every real row: counted, never on the first page.
    await asOwner(sql`insert into contacts (id, org_id, card, tags, source, created_at)
      select gen_random_uuid(), org_id, card, tags, source, created_at - interval '1 day' from contacts c, generate_series(1, 44) where c.org_id = ${f.orgA}`);
    const page = await as(admin(), (tx) => listContacts(tx, admin()));
    expect(page.count).toEqual({ value: CONTACT_COUNT_CAP, exact: false });
    expect(page.rows.map((r) => r.id)).toEqual(order.slice(0, 50));
    const tagged = await as(admin(), (tx) => listContacts(tx, admin(), { tag: "door" }));
    expect(tagged.count).toEqual({ value: CONTACT_FILTERED_COUNT_CAP, exact: false });
    expect(tagged.rows).toHaveLength(50);
    expect(tagged.rows.every((r) => order.includes(r.id))).toBe(true);
    const v: ContactViewer = { orgId: f.orgA, userId: f.volunteer, role: "volunteer" };
    expect((await as(v, (tx) => listContacts(tx, v))).count).toEqual({ value: 23, exact: true });
  }, 60_000);
});
