import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions, deletionRequests, imports, reports } from "@/db/schema";
import { getCampaignAction, listCampaignActions } from "@/lib/campaign-actions/queries";
import { listCampaignActionTrash } from "@/lib/campaign-actions/trash";
import type { CampaignActionViewer } from "@/lib/campaign-actions/viewer";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { resultRows, type Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { RuleError } from "@/lib/errors";
import { listImports } from "@/lib/imports/service";
import { sealedImports } from "@/lib/imports/sealed";
import { deletionRequestsPage, listCampaignDeletionRequests, walkCampaignDeletionRequests } from "@/lib/privacy/deletion-requests";
import { listCompletedReports, listMyCompletedReports, listMyDrafts, listMyReports, loadReportsPage, type ReportViewer } from "@/lib/reports/reports";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { decodeTimeIdCursor, decodeTwoListsCursor, encodeTimeIdCursor, keysetPositionFrom, type KeysetPosition } from "./keyset";

/**
 * Every list that pages by keyset besides contacts (which has its own suite): walked Next to the end and Previous back
 * from the last page, over timestamps that tie (and differ only in microseconds), as managers and volunteers, with
 * forged and foreign cursors.
 */

type Page = { rows: { id: string }[]; nextCursor: string | null; prevCursor: string | null };
type Read = (position: KeysetPosition | null) => Promise<Page>;

const ids = (p: Page) => p.rows.map((r) => r.id);

/** Forward from the first page by nextCursor, then back from the last page by prevCursor (a cursor that stops moving fails, not hangs). */
async function walk(read: Read, most: number): Promise<{ forward: string[]; backward: string[][] }> {
  let page = await read(null);
  expect(page.prevCursor).toBeNull();
  const forward = ids(page);
  let steps = 0;
  const step = () => expect(++steps, "more pages than rows: the cursor does not move").toBeLessThanOrEqual(2 * most + 2);
  while (page.nextCursor) {
    step();
    page = await read({ after: decodeTimeIdCursor(page.nextCursor)! });
    expect(page.prevCursor).not.toBeNull();
    forward.push(...ids(page));
  }
  page = await read("last");
  expect(page.nextCursor).toBeNull();
  const backward = [ids(page)];
  while (page.prevCursor) {
    step();
    page = await read({ before: decodeTimeIdCursor(page.prevCursor)! });
    backward.unshift(ids(page));
  }
  return { forward, backward };
}

/** Both walks give exactly `order`: forward once each; backward too, its top page shown whole when less than a page remained. */
async function expectWalk(read: Read, order: string[], pageSize: number) {
  expect(order.length).toBeGreaterThan(2 * pageSize);
  const { forward, backward } = await walk(read, order.length);
  expect(forward).toEqual(order);
  for (const p of backward) expect(p.length).toBeLessThanOrEqual(pageSize);
  expect(backward[0]).toEqual(order.slice(0, backward[0]!.length));
  expect([...new Set(backward.flat())]).toEqual(order);
  expect(backward.slice(1).flat()).toEqual(order.slice(order.length - backward.slice(1).flat().length));
}

/** A forged key (a time and id of no row) and another campaign's real cursor, each as after / before: only the reader's rows. */
async function expectNoLeak(read: Read, own: string[], foreignCursor: string, foreign: string[]) {
  const forged = decodeTimeIdCursor(encodeTimeIdCursor({ micros: "1767225600000000", id: randomUUID() }))!;
  const stranger = decodeTimeIdCursor(foreignCursor)!;
  expect(stranger).not.toBeNull();
  for (const key of [forged, stranger])
    for (const position of [{ after: key }, { before: key }]) {
      const page = await read(position);
      for (const id of ids(page)) {
        expect(own).toContain(id);
        expect(foreign).not.toContain(id);
      }
    }
}

describe.each(testBackends())("keyset lists: reports, imports, deletion requests, actions, trash (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const as = <T>(orgId: string, userId: string, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId, userId }, fn);
  const asOwner = async <R,>(query: ReturnType<typeof sql>) =>
    resultRows<R>(
      await t.db.transaction(async (tx) => {
        await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
        return tx.execute(query);
      }),
    );
  const orderOf = async (query: ReturnType<typeof sql>) => (await asOwner<{ id: string }>(query)).map((r) => r.id);
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ReportViewer & CampaignActionViewer => ({ orgId, userId, role });
  const admin = () => viewer(f.admin, "admin");
  const vol = () => viewer(f.volunteer, "volunteer");
  const vol2 = () => viewer(f.volunteer2, "volunteer");
  const rival = () => viewer(f.ownerB, "owner", f.orgB);
  /** n timestamps in groups of three equal ones; groups go in pairs a microsecond apart (a JS Date cannot tell them apart), pairs a minute apart. */
  const times = (n: number, base: string) =>
    Array.from({ length: n }, (_, k) => {
      const group = Math.floor(k / 3);
      return sql`(${base}::timestamptz + ${group}::int * interval '1 microsecond' + ${Math.floor(group / 2)}::int * interval '1 minute')`;
    });

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "kl");
    // Contacts to report on, in both campaigns.
    const [contactA] = await as(f.orgA, f.admin, (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Ada Reach" })], { source: "manual", createdBy: f.admin, assignedTo: f.volunteer }));
    const [contactB] = await as(f.orgB, f.ownerB, (tx) => insertContacts(tx, f.orgB, [contactInputSchema.parse({ name: "Rival Reach" })], { source: "manual", createdBy: f.ownerB }));
    await withTenant(t.db, { orgId: f.orgA }, async (tx) => {
      const report = (filedBy: string, completedAt: ReturnType<typeof sql> | null, updatedAt: ReturnType<typeof sql>) => ({
        id: randomUUID(),
        orgId: f.orgA,
        contactId: contactA!,
        filedBy,
        outcome: "reached" as const,
        answers: null,
        completedAt,
        updatedAt,
      });
      const done = times(14, "2026-03-01T10:00:00.000001Z");
      const drafts = times(10, "2026-03-02T10:00:00.000001Z");
      await tx.insert(reports).values([
        ...done.slice(0, 11).map((at) => report(f.volunteer, at, at)),
        ...done.slice(11).map((at) => report(f.volunteer2, at, at)),
        ...drafts.slice(0, 8).map((at) => report(f.volunteer, null, at)),
        ...drafts.slice(8).map((at) => report(f.admin, null, at)),
      ]);
      for (const [k, at] of times(11, "2026-02-01T09:00:00.5Z").entries())
        await tx.insert(imports).values({
          ...(await sealedImports.seal(tx, {
            id: randomUUID(),
            orgId: f.orgA,
            createdBy: f.admin,
            fileName: `list-${k}.csv`,
            headers: ["Name"],
            format: "csv",
            encoding: "utf-8",
            fileSize: 10,
            totalRows: 1,
            uploadExpiresAt: new Date(),
          })),
          createdAt: at,
        });
      const live = times(12, "2026-05-01T08:00:00Z").map((createdAt, k) => ({ id: randomUUID(), orgId: f.orgA, kind: "call" as const, title: `Round ${k}`, createdAt }));
      const trashed = times(10, "2026-05-02T08:00:00Z").map((deletedAt, k) => ({ id: randomUUID(), orgId: f.orgA, kind: "text" as const, title: `Gone ${k}`, deletedAt }));
      await tx.insert(actions).values([...live, ...trashed]);
      // The volunteer is given every other live action.
      await tx.insert(actionAssignees).values(live.filter((_, k) => k % 2 === 0).map((a) => ({ actionId: a.id, userId: f.volunteer, orgId: f.orgA })));
    });
    // Deletion requests as the database owner: under RLS only a requester opens one.
    await t.db.transaction(async (owner) => {
      await owner.execute(sql.raw("SET LOCAL ROLE NONE"));
      const pending = times(10, "2026-04-01T00:00:00Z");
      const decided = times(10, "2026-01-01T00:00:00Z");
      await owner.insert(deletionRequests).values(times(6, "2026-04-01T00:00:00Z").map((dueAt, k) => ({ orgId: f.orgB, emailIndex: Buffer.from(`rival-${k}`), dueAt, createdAt: dueAt })));
      await owner.insert(deletionRequests).values([
        ...pending.map((dueAt, k) => ({ orgId: f.orgA, emailIndex: Buffer.from(`pending-${k}`), dueAt, createdAt: sql`now()` })),
        ...decided.map((createdAt, k) => ({
          orgId: f.orgA,
          emailIndex: Buffer.from(`decided-${k}`),
          dueAt: sql`now()`,
          createdAt,
          status: k % 2 ? ("declined" as const) : ("completed" as const),
          declineReason: k % 2 ? ("other" as const) : null,
          decidedAt: sql`now()`,
        })),
      ]);
    });
    // The rival campaign's own rows of each kind.
    await withTenant(t.db, { orgId: f.orgB }, async (tx) => {
      const at = times(6, "2026-03-01T10:00:00.000001Z");
      await tx.insert(reports).values(at.map((completedAt) => ({ id: randomUUID(), orgId: f.orgB, contactId: contactB!, filedBy: f.ownerB, outcome: "reached" as const, answers: null, completedAt, updatedAt: completedAt })));
      for (const [k, createdAt] of times(6, "2026-02-01T09:00:00.5Z").entries())
        await tx.insert(imports).values({
          ...(await sealedImports.seal(tx, { id: randomUUID(), orgId: f.orgB, createdBy: f.ownerB, fileName: `rival-${k}.csv`, headers: ["Name"], format: "csv", encoding: "utf-8", fileSize: 10, totalRows: 1, uploadExpiresAt: new Date() })),
          createdAt,
        });
      await tx.insert(actions).values(at.map((createdAt, k) => ({ id: randomUUID(), orgId: f.orgB, kind: "call" as const, title: `Rival ${k}`, createdAt, deletedAt: k % 2 ? createdAt : null })));
    });
  }, 120_000);
  afterAll(async () => t?.drop());

  it("the timestamps tie in threes, and some differ only by a microsecond", async () => {
    const groups = await asOwner<{ n: number }>(sql`select count(*)::int as n from reports where org_id = ${f.orgA} and completed_at is not null group by completed_at`);
    expect(groups.some((g) => g.n === 3)).toBe(true);
    const micro = await asOwner<{ n: number }>(
      sql`select count(*)::int as n from (select distinct completed_at from reports where org_id = ${f.orgA} and completed_at is not null) d group by date_trunc('milliseconds', completed_at) having count(*) > 1`,
    );
    expect(micro.length).toBeGreaterThan(0);
  });

  it("reports: the campaign's completed ones, a volunteer's drafts and completed ones, every row once in order both ways", async () => {
    const completed = await orderOf(sql`select id from reports where org_id = ${f.orgA} and completed_at is not null order by completed_at desc, id desc`);
    await expectWalk((position) => as(f.orgA, f.admin, (tx) => listCompletedReports(tx, admin(), { position, pageSize: 4 })).then((p) => ({ ...p, rows: p.items })), completed, 4);

    const drafts = await orderOf(sql`select id from reports where org_id = ${f.orgA} and filed_by = ${f.volunteer} and completed_at is null order by updated_at desc, id desc`);
    await expectWalk((position) => as(f.orgA, f.volunteer, (tx) => listMyDrafts(tx, vol(), { position, pageSize: 3 })).then((p) => ({ ...p, rows: p.items })), drafts, 3);
    const mine = await orderOf(sql`select id from reports where org_id = ${f.orgA} and filed_by = ${f.volunteer} and completed_at is not null order by completed_at desc, id desc`);
    await expectWalk((position) => as(f.orgA, f.volunteer, (tx) => listMyCompletedReports(tx, vol(), { position, pageSize: 3 })).then((p) => ({ ...p, rows: p.items })), mine, 3);
  });

  it("reports: volunteers still read only their own, and no one reads another's drafts", async () => {
    expect((await as(f.orgA, f.volunteer, (tx) => listCompletedReports(tx, vol()))).items).toEqual([]);
    const theirs = await orderOf(sql`select id from reports where org_id = ${f.orgA} and filed_by = ${f.volunteer2} order by completed_at desc, id desc`);
    const v2 = await as(f.orgA, f.volunteer2, (tx) => listMyCompletedReports(tx, vol2(), { pageSize: 50 }));
    expect(v2.items.map((r) => r.id)).toEqual(theirs);
    expect((await as(f.orgA, f.volunteer2, (tx) => listMyDrafts(tx, vol2()))).items).toEqual([]);
    // The admin's drafts page holds only the admin's two drafts, never the volunteer's eight.
    const adminDrafts = await as(f.orgA, f.admin, (tx) => listMyDrafts(tx, admin(), { pageSize: 50 }));
    expect(adminDrafts.items).toHaveLength(2);
    expect(adminDrafts.items.every((r) => r.mine && r.completedAt === null)).toBe(true);
    // The reports page: the volunteer's view is their own two lists, whatever position the URL names.
    const data = await as(f.orgA, f.volunteer, (tx) => loadReportsPage(tx, vol(), { completed: "last", drafts: null }));
    expect(data.view).toBe("mine");
    if (data.view !== "mine") return;
    expect([...data.drafts.items, ...data.completed.items].every((r) => r.filedBy === f.volunteer)).toBe(true);
  });

  it("reports: the API's walk through one's own reports gives the drafts, then the completed ones, each once", async () => {
    const drafts = await orderOf(sql`select id from reports where org_id = ${f.orgA} and filed_by = ${f.volunteer} and completed_at is null order by updated_at desc, id desc`);
    const done = await orderOf(sql`select id from reports where org_id = ${f.orgA} and filed_by = ${f.volunteer} and completed_at is not null order by completed_at desc, id desc`);
    for (const size of [3, 4, 8]) {
      const seen: string[] = [];
      let at = decodeTwoListsCursor(undefined)!;
      for (let pages = 0; ; pages++) {
        expect(pages, "the walk does not end").toBeLessThan(40);
        const page = await as(f.orgA, f.volunteer, (tx) => listMyReports(tx, vol(), at, size));
        expect(page.items.length).toBeLessThanOrEqual(size);
        seen.push(...page.items.map((r) => r.id));
        if (!page.nextCursor) break;
        at = decodeTwoListsCursor(page.nextCursor)!;
        expect(at).not.toBeNull();
      }
      expect(seen).toEqual([...drafts, ...done]);
    }
    for (const bad of ["3.x", "1.", "2.!!", "d.abc", "p:2", "2. "]) expect(decodeTwoListsCursor(bad)).toBeNull();
  });

  it("reports: forged and foreign cursors show nothing of another campaign", async () => {
    const own = await orderOf(sql`select id from reports where org_id = ${f.orgA}`);
    const foreign = await orderOf(sql`select id from reports where org_id = ${f.orgB}`);
    const rivalPage = await as(f.orgB, f.ownerB, (tx) => listCompletedReports(tx, rival(), { pageSize: 2 }));
    await expectNoLeak((position) => as(f.orgA, f.admin, (tx) => listCompletedReports(tx, admin(), { position, pageSize: 4 })).then((p) => ({ ...p, rows: p.items })), own, rivalPage.nextCursor!, foreign);
    // A cursor of campaign A read by the rival: their rows only.
    const ours = await as(f.orgA, f.admin, (tx) => listCompletedReports(tx, admin(), { pageSize: 2 }));
    await expectNoLeak((position) => as(f.orgB, f.ownerB, (tx) => listCompletedReports(tx, rival(), { position })).then((p) => ({ ...p, rows: p.items })), foreign, ours.nextCursor!, own);
  });

  it("imports: newest first both ways, no rival row whatever the cursor, none for a volunteer", async () => {
    const order = await orderOf(sql`select id from imports where org_id = ${f.orgA} order by created_at desc, id desc`);
    const read: Read = (position) => as(f.orgA, f.admin, (tx) => listImports(tx, f.orgA, { position, pageSize: 3 }));
    await expectWalk(read, order, 3);
    const rivalPage = await as(f.orgB, f.ownerB, (tx) => listImports(tx, f.orgB, { pageSize: 2 }));
    await expectNoLeak(read, order, rivalPage.nextCursor!, await orderOf(sql`select id from imports where org_id = ${f.orgB}`));
    // RLS alone: a volunteer's transaction reads no import, at any position.
    for (const position of [null, "last" as const, { after: decodeTimeIdCursor(rivalPage.nextCursor)! }]) expect((await as(f.orgA, f.volunteer, (tx) => listImports(tx, f.orgA, { position }))).rows).toEqual([]);
  });

  it("deletion requests: pending soonest due first and decided newest first, both ways; the API's walk gives both once", async () => {
    const pending = await orderOf(sql`select id from deletion_requests where org_id = ${f.orgA} and status = 'pending' order by due_at asc, id asc`);
    const decided = await orderOf(sql`select id from deletion_requests where org_id = ${f.orgA} and status <> 'pending' order by created_at desc, id desc`);
    await expectWalk((position) => as(f.orgA, f.admin, (tx) => deletionRequestsPage(tx, f.orgA, "pending", position, 3)), pending, 3);
    await expectWalk((position) => as(f.orgA, f.admin, (tx) => deletionRequestsPage(tx, f.orgA, "decided", position, 4)), decided, 4);
    for (const size of [3, 5, 10]) {
      const seen: string[] = [];
      let at = decodeTwoListsCursor(null)!;
      for (let pages = 0; ; pages++) {
        expect(pages, "the walk does not end").toBeLessThan(40);
        const page = await as(f.orgA, f.admin, (tx) => walkCampaignDeletionRequests(tx, f.orgA, at, size));
        seen.push(...page.rows.map((r) => r.id));
        if (!page.nextCursor) break;
        at = decodeTwoListsCursor(page.nextCursor)!;
      }
      expect(seen).toEqual([...pending, ...decided]);
    }
    const foreign = await orderOf(sql`select id from deletion_requests where org_id = ${f.orgB}`);
    const rivalPage = await as(f.orgB, f.ownerB, (tx) => deletionRequestsPage(tx, f.orgB, "pending", null, 2));
    await expectNoLeak((position) => as(f.orgA, f.admin, (tx) => deletionRequestsPage(tx, f.orgA, "pending", position, 3)), pending, rivalPage.nextCursor!, foreign);
    await expectNoLeak((position) => as(f.orgA, f.admin, (tx) => deletionRequestsPage(tx, f.orgA, "decided", position, 3)), decided, rivalPage.nextCursor!, foreign);
    const queue = await as(f.orgA, f.volunteer, (tx) => listCampaignDeletionRequests(tx, f.orgA, { pending: "last", decided: { after: decodeTimeIdCursor(rivalPage.nextCursor)! } }));
    expect([...queue.pending.rows, ...queue.decided.rows]).toEqual([]);
  });

  it("actions: managers page through all live ones, a volunteer through only those given to them", async () => {
    const live = await orderOf(sql`select id from actions where org_id = ${f.orgA} and deleted_at is null order by created_at desc, id desc`);
    const given = await orderOf(
      sql`select a.id from actions a join action_assignees aa on aa.action_id = a.id and aa.user_id = ${f.volunteer} where a.org_id = ${f.orgA} and a.deleted_at is null order by a.created_at desc, a.id desc`,
    );
    expect(given.length).toBe(6);
    await expectWalk((position) => as(f.orgA, f.admin, (tx) => listCampaignActions(tx, admin(), { position, pageSize: 5 })), live, 5);
    await expectWalk((position) => as(f.orgA, f.volunteer, (tx) => listCampaignActions(tx, vol(), { position, pageSize: 2 })), given, 2);
    // The second volunteer was given none: nothing at any position, a manager's cursor included.
    const managerPage = await as(f.orgA, f.admin, (tx) => listCampaignActions(tx, admin(), { pageSize: 2 }));
    for (const position of [null, "last" as const, { after: decodeTimeIdCursor(managerPage.nextCursor)! }, { before: decodeTimeIdCursor(managerPage.nextCursor)! }])
      expect((await as(f.orgA, f.volunteer2, (tx) => listCampaignActions(tx, vol2(), { position }))).rows).toEqual([]);
    const foreign = await orderOf(sql`select id from actions where org_id = ${f.orgB}`);
    const rivalPage = await as(f.orgB, f.ownerB, (tx) => listCampaignActions(tx, rival(), { pageSize: 1 }));
    await expectNoLeak((position) => as(f.orgA, f.admin, (tx) => listCampaignActions(tx, admin(), { position, pageSize: 5 })), live, rivalPage.nextCursor!, foreign);
    await expectNoLeak((position) => as(f.orgA, f.volunteer, (tx) => listCampaignActions(tx, vol(), { position, pageSize: 5 })), given, rivalPage.nextCursor!, foreign);
  });

  it("trash: the latest deleted first both ways, for those who may restore only", async () => {
    const trashed = await orderOf(sql`select id from actions where org_id = ${f.orgA} and deleted_at is not null order by deleted_at desc, id desc`);
    await expectWalk((position) => as(f.orgA, f.admin, (tx) => listCampaignActionTrash(tx, admin(), { position, pageSize: 3 })), trashed, 3);
    await expect(as(f.orgA, f.volunteer, (tx) => listCampaignActionTrash(tx, vol(), { position: "last" }))).rejects.toThrow(RuleError);
    const foreign = await orderOf(sql`select id from actions where org_id = ${f.orgB}`);
    const rivalPage = await as(f.orgB, f.ownerB, (tx) => listCampaignActionTrash(tx, rival(), { pageSize: 1 }));
    await expectNoLeak((position) => as(f.orgA, f.admin, (tx) => listCampaignActionTrash(tx, admin(), { position, pageSize: 3 })), trashed, rivalPage.nextCursor!, foreign);
  });

  it("an action's targets: by when they joined the campaign both ways, a volunteer only the ones they see", async () => {
    // Eleven contacts added in one transaction (one created_at, ties broken by id), four assigned to the volunteer.
    const people = await as(f.orgA, f.admin, (tx) =>
      insertContacts(tx, f.orgA, Array.from({ length: 11 }, (_, k) => contactInputSchema.parse({ name: `Target ${k}` })), { source: "manual", createdBy: f.admin }),
    );
    const [action] = await orderOf(sql`select a.id from actions a join action_assignees aa on aa.action_id = a.id and aa.user_id = ${f.volunteer} where a.org_id = ${f.orgA} and a.deleted_at is null limit 1`);
    await asOwner(sql`insert into action_targets (action_id, contact_id, org_id) select ${action}::uuid, id, org_id from contacts where id in ${people}`);
    await asOwner(sql`update contacts set assigned_to = ${f.volunteer} where id in ${people.slice(0, 4)}`);
    const all = await orderOf(sql`select c.id from action_targets t join contacts c on c.id = t.contact_id where t.action_id = ${action} order by c.created_at, c.id`);
    const theirs = await orderOf(sql`select c.id from action_targets t join contacts c on c.id = t.contact_id where t.action_id = ${action} and c.assigned_to = ${f.volunteer} order by c.created_at, c.id`);
    expect(theirs).toHaveLength(4);
    const targetsOf = (who: ReportViewer & CampaignActionViewer, size: number): Read => async (position) => {
      const view = await as(f.orgA, who.userId, (tx) => getCampaignAction(tx, who, action!, { targets: position, targetPageSize: size }));
      return { rows: view!.targets.map((c) => ({ id: c.contactId })), ...view!.targetPage };
    };
    await expectWalk(targetsOf(admin(), 3), all, 3);
    await expectWalk(targetsOf(vol(), 1), theirs, 1);
    // The manager's cursor in the volunteer's hands still shows only the volunteer's targets.
    const managerPage = await targetsOf(admin(), 2)(null);
    for (const id of ids(await targetsOf(vol(), 2)({ after: decodeTimeIdCursor(managerPage.nextCursor)! }))) expect(theirs).toContain(id);
  });

  it("a malformed cursor in the URL is the first page, never a query", () => {
    const good = encodeTimeIdCursor({ micros: "1767225600000000", id: randomUUID() });
    expect(keysetPositionFrom({ after: good })).toMatchObject({ after: { micros: "1767225600000000" } });
    expect(keysetPositionFrom({ drafts_before: good }, "drafts_")).toMatchObject({ before: { micros: "1767225600000000" } });
    expect(keysetPositionFrom({ after: good }, "drafts_")).toBeNull();
    for (const bad of ["", "%%%", good.slice(0, -4), `${good}x`, Buffer.from(`1.${randomUUID()}' or 1=1`).toString("base64url"), "x".repeat(500)]) {
      expect(keysetPositionFrom({ after: bad, before: bad })).toBeNull();
      expect(keysetPositionFrom({ pending_after: bad }, "pending_")).toBeNull();
    }
    expect(keysetPositionFrom({ after: [good, good] })).toBeNull();
    expect(keysetPositionFrom({ last: "1" })).toBe("last");
  });
});
