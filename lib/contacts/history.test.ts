import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { assignContact, createContact, setContactTags, updateContact } from "./commands";
import { type ContactViewer } from "./visibility";
import { listContactHistory } from "./history";

describe.each(testBackends())("contact history (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let id: string;
  let other: string;
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ContactViewer => ({ orgId, userId, role });
  const as = <T>(v: ContactViewer, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
    const admin = viewer(f.admin, "admin");
    id = await as(admin, (tx) => createContact(tx, admin, { name: "Hist Ory" }));
    other = await as(admin, (tx) => createContact(tx, admin, { name: "Some One Else" }));
    await as(admin, (tx) => updateContact(tx, admin, id, { name: "Hist Ory", phone: "555 1234" }));
    await as(admin, (tx) => setContactTags(tx, admin, id, ["donor"]));
    await as(admin, (tx) => assignContact(tx, admin, id, f.volunteer));
  }, 60_000);
  afterAll(async () => t?.drop());

  it("lists this contact's events newest first, as feed sentences naming the actor", async () => {
    const owner = viewer(f.owner, "owner");
    const items = await as(owner, (tx) => listContactHistory(tx, owner, id));
    expect(items.map((i) => i.action)).toEqual(["contact.assigned", "contact.tags_changed", "contact.updated", "contact.created"]);
    expect(items.map((i) => i.sentence)).toEqual(["admin assigned a contact", "admin changed a contact's tags", "admin updated a contact", "admin added a contact"].map((s) => s[0]!.toUpperCase() + s.slice(1)));
    const self = await as(viewer(f.admin, "admin"), (tx) => listContactHistory(tx, viewer(f.admin, "admin"), id));
    expect(self[0]!.sentence).toBe("You assigned a contact");
  });

  it("only managers get it, and only for a contact they can see", async () => {
    const v = viewer(f.volunteer, "volunteer");
    expect(await as(v, (tx) => listContactHistory(tx, v, id))).toEqual([]);
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    expect(await as(ownerB, (tx) => listContactHistory(tx, ownerB, id))).toEqual([]);
    const owner = viewer(f.owner, "owner");
    expect((await as(owner, (tx) => listContactHistory(tx, owner, other))).map((i) => i.action)).toEqual(["contact.created"]);
  });
});
