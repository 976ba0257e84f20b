import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema/audit";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { loadAccountActivityFeed, loadActivityFeed, visibleMemberNames } from "./activity";
import { ActivityQueryError, listAccountActivity, listActivity, type ActivityPage, type ActivityQuery, type FeedViewer } from "./feed";
import { recordAuditEvent, type AuditEventInput } from "./record";
import { chainPlaces, seedCast, type Cast } from "./test-helpers";

describe.each(testBackends())("activity feed (%s)", (backend) => {
  let t: TestDatabase;
  let c: Cast;
  let owner: FeedViewer, admin: FeedViewer, volunteer: FeedViewer, rival: FeedViewer;

  const record = (e: AuditEventInput) => recordAuditEvent(t.db, e);
  const syncedContact = crypto.randomUUID();

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    c = await seedCast(t, "feed");
    owner = { orgId: c.orgA, userId: c.owner, role: "owner" };
    admin = { orgId: c.orgA, userId: c.admin, role: "admin" };
    volunteer = { orgId: c.orgA, userId: c.volunteer, role: "volunteer" };
    rival = { orgId: c.orgB, userId: c.rival, role: "owner" };
    const a = c.orgA;
    await record({ orgId: a, actor: { kind: "member", id: c.owner }, action: "member.invited", target: { type: "invitation", id: crypto.randomUUID() }, metadata: { role: "volunteer" } });
    await record({ orgId: a, actor: { kind: "member", id: c.owner }, action: "member.role_changed", target: { type: "user", id: c.volunteer }, metadata: { from: "admin", to: "volunteer" } });
    await record({ orgId: a, actor: { kind: "member", id: c.volunteer }, action: "contact.created", target: { type: "contact", id: syncedContact }, metadata: { source: "sync" } });
    await record({ orgId: a, actor: { kind: "member", id: c.volunteer2 }, action: "contact.created", target: { type: "contact", id: crypto.randomUUID() } });
    await record({ orgId: a, actor: { kind: "member", id: c.admin }, action: "action.deleted", target: { type: "action", id: crypto.randomUUID() } });
    await record({ orgId: a, actor: { kind: "staff", id: c.rival }, action: "support_access.used", metadata: { resource: "contacts", count: 2 } });
    await record({ orgId: c.orgB, actor: { kind: "member", id: c.rival }, action: "contact.deleted", target: { type: "contact", id: crypto.randomUUID() } });
    await record({ actor: { kind: "member", id: c.volunteer }, action: "auth.sign_in.succeeded", metadata: { method: "password" } });
    await record({ actor: { kind: "anonymous" }, action: "auth.sign_in.failed", target: { type: "user", id: c.volunteer }, metadata: { reason: "invalid_credentials" } });
    await record({ actor: { kind: "member", id: c.admin }, action: "auth.password.changed" });
  });
  afterAll(async () => t?.drop());

  const actions = async (viewer: FeedViewer, q: ActivityQuery = {}) => (await listActivity(t.db, viewer, q)).events.map((e) => e.action);

  it("shows owners and admins every event of their campaign, newest first", async () => {
    const expected = ["support_access.used", "action.deleted", "contact.created", "contact.created", "member.role_changed", "member.invited"];
    expect(await actions(owner)).toEqual(expected);
    expect(await actions(admin)).toEqual(expected);
  });

  it("shows a volunteer only what they did or what was done to them", async () => {
    const events = (await listActivity(t.db, volunteer)).events;
    expect(events.map((e) => e.action)).toEqual(["contact.created", "member.role_changed"]);
    expect(events.every((e) => e.actorId === c.volunteer || e.targetId === c.volunteer)).toBe(true);
    // Asking for someone else's events does not widen the view.
    expect(await actions(volunteer, { actorId: c.admin })).toEqual([]);
  });

  it("shows another campaign nothing of this one", async () => {
    expect(await actions(rival)).toEqual(["contact.deleted"]);
    const leaked = await withTenant(t.db, { orgId: c.orgB, userId: c.rival }, (tx) => tx.select().from(auditEvents));
    expect(leaked.every((e) => e.orgId === c.orgB)).toBe(true);
  });

  it("filters by person, by category and by action list", async () => {
    expect(await actions(owner, { actorId: c.owner })).toEqual(["member.role_changed", "member.invited"]);
    expect(await actions(owner, { actions: "contacts" })).toEqual(["contact.created", "contact.created"]);
    expect(await actions(owner, { actions: ["action.deleted", "member.invited"] })).toEqual(["action.deleted", "member.invited"]);
    expect(await actions(owner, { actions: [] })).toEqual([]);
  });

  it("filters by target: one record's history, and nothing a volunteer could not see anyway", async () => {
    expect(await actions(owner, { target: { type: "contact", id: syncedContact.toUpperCase() } })).toEqual(["contact.created"]);
    expect(await actions(owner, { target: { type: "action", id: syncedContact } })).toEqual([]);
    expect(await actions(volunteer, { target: { type: "user", id: c.volunteer } })).toEqual(["member.role_changed"]);
    expect(await actions(rival, { target: { type: "contact", id: syncedContact } })).toEqual([]);
  });

  it("refuses malformed queries before reaching the database", async () => {
    await expect(listActivity(t.db, owner, { before: "1 or 1=1" })).rejects.toThrow(ActivityQueryError);
    await expect(listActivity(t.db, owner, { limit: 10_000 })).rejects.toThrow(ActivityQueryError);
    await expect(listActivity(t.db, owner, { actions: "everything" as "contacts" })).rejects.toThrow(ActivityQueryError);
    await expect(listActivity(t.db, owner, { actorId: "alex" })).rejects.toThrow(ActivityQueryError);
    await expect(listActivity(t.db, owner, { target: { type: "contact", id: "' or 1=1" } })).rejects.toThrow(ActivityQueryError);
  });

  it("writes sentences with names resolved for the viewer", async () => {
    const forAdmin = (await loadActivityFeed(t.db, admin)).items.map((i) => i.sentence);
    expect(forAdmin).toEqual([
      "Rampart support viewed 2 contacts",
      "You moved an action to the trash",
      "Vic added a contact",
      "Val added a contact from their phone",
      "Olive changed Val's role to volunteer",
      "Olive invited someone to join as a volunteer",
    ]);
    const forVolunteer = (await loadActivityFeed(t.db, volunteer)).items.map((i) => i.sentence);
    expect(forVolunteer).toEqual(["You added a contact from your phone", "Olive changed your role to volunteer"]);
  });

  it("names for a volunteer only themselves and the campaign's owners and admins", async () => {
    const names = await visibleMemberNames(t.db, volunteer, [c.owner, c.admin, c.volunteer, c.volunteer2, c.rival]);
    expect([...names.values()].sort()).toEqual(["Alex", "Olive", "Val"]);
    const all = await visibleMemberNames(t.db, admin, [c.owner, c.volunteer2, c.rival]);
    expect([...all.values()].sort()).toEqual(["Olive", "Vic"]);
  });

  it("gives each person their own account events, and nobody else's", async () => {
    const mine = await listAccountActivity(t.db, c.volunteer);
    expect(mine.events.map((e) => e.action)).toEqual(["auth.sign_in.failed", "auth.sign_in.succeeded"]);
    expect((await listAccountActivity(t.db, c.admin)).events.map((e) => e.action)).toEqual(["auth.password.changed"]);
    expect((await listAccountActivity(t.db, c.owner)).events).toEqual([]);
    expect((await loadAccountActivityFeed(t.db, c.volunteer)).items.map((i) => i.sentence)).toEqual([
      "A sign-in to your account failed (wrong password)",
      "You signed in",
    ]);
  });

  it("pages a person's account events newest first across account chains, with no duplicates or gaps", async () => {
    const person = crypto.randomUUID();
    // Staff acting on other people's accounts: each event joins the chain of the person it is about, not the actor's.
    // Chains are stamped to the millisecond (migration 0020): events of two chains within one millisecond order by id,
    // so each event here gets a millisecond of its own and "newest first" names one order.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 2));
    for (let i = 0; i < 9; i++) {
      await record({ actor: { kind: "staff", id: person }, action: "user.disabled", target: { type: "user", id: crypto.randomUUID() }, metadata: { reason: "security_incident" } });
      await tick();
      await record({ actor: { kind: "member", id: person }, action: "auth.sign_out" });
      await tick();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ActivityPage = await listAccountActivity(t.db, person, { limit: 4, before: cursor });
      seen.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await listAccountActivity(t.db, person, { limit: 50 })).events;
    expect(all).toHaveLength(18);
    expect(seen).toEqual(all.map((e) => e.id));
    const times = all.map((e) => e.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(all.map((e) => e.action).slice(0, 2)).toEqual(["auth.sign_out", "user.disabled"]);
    await expect(listAccountActivity(t.db, person, { before: "12" })).rejects.toThrow(ActivityQueryError);
  });

  it("pages by keyset with no duplicates or gaps while events keep arriving", async () => {
    const orgId = c.orgB;
    for (let i = 0; i < 60; i++) await record({ orgId, actor: { kind: "member", id: c.rival }, action: "contact.updated" });
    const seen: number[] = [];
    let first = await listActivity(t.db, rival, { limit: 7 });
    const top = first.events[0]!.seq;
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ActivityPage = cursor ? await listActivity(t.db, rival, { limit: 7, before: cursor }) : first;
      seen.push(...page.events.map((e) => e.seq));
      // Writers keep adding on top while the reader walks down.
      await Promise.all([1, 2, 3].map(() => record({ orgId, actor: { kind: "member", id: c.rival }, action: "contact.created" })));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(top / 7));
    expect(seen).toEqual(Array.from({ length: top }, (_, i) => top - i));
    // Polling for what arrived since the first page finds exactly the new events.
    const newer = await listActivity(t.db, rival, { after: String(top), limit: 200 });
    expect(newer.truncated).toBe(false);
    expect(newer.events.map((e) => e.seq)).toEqual(Array.from({ length: pages * 3 }, (_, i) => top + pages * 3 - i));
    first = await listActivity(t.db, rival, { after: String(top), limit: 2 });
    expect(first.truncated).toBe(true);
  });

  it("filters by date range through the chain's time order", async () => {
    const orgId = c.orgB;
    const times: Date[] = [];
    for (let i = 0; i < 5; i++) {
      const { id } = await record({ orgId, actor: { kind: "member", id: c.rival }, action: "org.settings_changed", metadata: { keys: [`k${i}`] } });
      times.push((await chainPlaces(t, [id]))[0]!.createdAt);
      await new Promise((r) => setTimeout(r, 5));
    }
    const inRange = async (q: ActivityQuery) =>
      (await listActivity(t.db, rival, { ...q, actions: ["org.settings_changed"] })).events.map((e) => (e.metadata.keys as string[])[0]);
    expect(await inRange({ from: times[1], to: times[4] })).toEqual(["k3", "k2", "k1"]);
    expect(await inRange({ from: times[4] })).toEqual(["k4"]);
    expect(await inRange({ to: times[0] })).toEqual([]);
    expect(await inRange({ from: new Date(times[4]!.getTime() + 1) })).toEqual([]);
  });
});
