import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactTagsInUse as keptTags } from "@/db/schema";
import { campaignActionFormChoices } from "@/lib/campaign-actions/queries";
import type { Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { createContact, deleteContact, setContactTags } from "./commands";
import { contactInputSchema } from "./input";
import { contactTagsInUse } from "./list-contacts";
import { pruneTagsInUse } from "./tags-in-use";
import type { ContactViewer } from "./visibility";
import { insertContacts } from "./write-rows";

describe.each(testBackends())("the tag menus' kept tags (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ContactViewer => ({ orgId, userId, role });
  const admin = () => viewer(f.admin, "admin");
  const as = <T>(v: ContactViewer, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const menu = (v: ContactViewer) => as(v, (tx) => contactTagsInUse(tx, v));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "tags");
  }, 60_000);
  afterAll(async () => t?.drop());

  it("offers what every write of campaign contacts tagged, kept out of a member's unreported synced contacts", async () => {
    await as(admin(), (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Ann", tags: ["donor", "ward-3"] })], { source: "import", createdBy: f.admin }));
    const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Bea", tags: ["canvass"] }));
    await as(admin(), (tx) => setContactTags(tx, admin(), id, ["canvass", "phone-bank"]));
    // A volunteer's own address book: their tags are theirs.
    const vol = viewer(f.volunteer, "volunteer");
    await as(vol, (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Aunt Jo", tags: ["family"] })], { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }));
    expect(await menu(admin())).toEqual(["canvass", "donor", "phone-bank", "ward-3"]);
    expect(await as(admin(), (tx) => tx.select({ tag: keptTags.tag }).from(keptTags))).toHaveLength(4);
    expect((await as(admin(), (tx) => campaignActionFormChoices(tx, { orgId: f.orgA, userId: f.admin, role: "admin" }))).tags).toEqual(["canvass", "donor", "phone-bank", "ward-3"]);
    // A manager's own synced contact's tags reach their own menu from the contact itself.
    await as(admin(), (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Old Pal", tags: ["pals"] })], { source: "sync", syncedBy: f.admin, createdBy: f.admin }));
    expect(await menu(admin())).toContain("pals");
    expect(await menu(viewer(f.owner, "owner"))).not.toContain("pals");
    expect(await menu(vol)).toEqual([]);
  });

  it("never shows or takes another campaign's tags, and a volunteer cannot write them (RLS)", async () => {
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    await as(ownerB, (tx) => createContact(tx, ownerB, { name: "Rival", tags: ["rival-secret"] }));
    expect(await menu(admin())).not.toContain("rival-secret");
    expect(await menu(ownerB)).toEqual(["rival-secret"]);
    // Wall 3 alone: campaign A's transaction reads no row of B's, whatever the query asks.
    expect(await as(admin(), (tx) => tx.select({ tag: keptTags.tag }).from(keptTags))).not.toContainEqual({ tag: "rival-secret" });
    await expect(as(admin(), (tx) => tx.insert(keptTags).values({ orgId: f.orgB, tag: "planted" }))).rejects.toThrow();
    await expect(as(viewer(f.volunteer, "volunteer"), (tx) => tx.insert(keptTags).values({ orgId: f.orgA, tag: "planted" }))).rejects.toThrow();
    expect(await menu(admin())).not.toContain("planted");
  });

  it("forgets, in the hourly sweep, a tag no campaign contact carries any more, and keeps the rest", async () => {
    const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Cy", tags: ["one-off", "donor"] }));
    expect(await menu(admin())).toContain("one-off");
    await as(admin(), (tx) => deleteContact(tx, admin(), id));
    expect(await menu(admin())).toContain("one-off"); // until the sweep
    const swept = await pruneTagsInUse(t.db);
    expect(swept.failures).toEqual([]);
    expect(swept.removed).toBeGreaterThanOrEqual(1);
    expect(await menu(admin())).not.toContain("one-off");
    expect(await menu(admin())).toEqual(expect.arrayContaining(["canvass", "donor", "phone-bank", "ward-3"]));
    expect(await menu(viewer(f.ownerB, "owner", f.orgB))).toEqual(["rival-secret"]);
  });
});
