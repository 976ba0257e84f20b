import "server-only";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { CONTACT_COUNT_CAP } from "@/lib/contacts/list-contacts";
import { campaignContacts } from "@/lib/contacts/visibility";
import { resultRows, type Transaction } from "@/lib/db/client";
import type { Permission } from "@/lib/tenancy/permissions";

/** Who looks at the dashboard: the campaign, the person, and what the permission table lets them read. */
export type DashboardViewer = { orgId: string; userId: string; can(permission: Permission): boolean };

/** Managers (and support staff) see the campaign's totals; members count only for those who may read members. */
export type ManagerDashboard = {
  view: "manager";
  /** The campaign's contacts, counted up to CONTACT_COUNT_CAP: beyond it `contacts` is the cap and `contactsExact` false ("10,000+"). */
  contacts: number;
  contactsExact: boolean;
  actions: number;
  /** Active members and, of them, volunteers; null when the viewer may not read the member list. */
  members: number | null;
  volunteers: number | null;
  reportsThisWeek: number;
};

/** Volunteers see only what concerns them: contacts assigned to them, contacts they synced, their actions and reports. */
export type VolunteerDashboard = {
  view: "volunteer";
  assignedContacts: number;
  syncedContacts: number;
  actions: number;
  reportsThisWeek: number;
};

export type DashboardCounts = ManagerDashboard | VolunteerDashboard;

/** Monday 00:00 UTC of the week holding `now`: "this week" for the reports count. */
export function startOfWeek(now: Date): Date {
  const day = (now.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - day));
}

const countOf = (from: SQL) => sql`(select count(*)::int ${from})`;

/**
 * The dashboard's counts in one statement of the caller's tenant transaction, counting rows without opening
 * any sealed value; the campaign's contacts only up to a cap, as the contacts list does (no whole-campaign count per view). RLS (wall 3) already limits what each person reads; the filters here repeat the same
 * rules explicitly (wall 2) so a policy mistake alone cannot widen a count.
 */
export async function dashboardCounts(tx: Transaction, viewer: DashboardViewer, now = new Date(), contactCap = CONTACT_COUNT_CAP): Promise<DashboardCounts> {
  const { orgId, userId } = viewer;
  const weekStart = startOfWeek(now).toISOString();
  if (viewer.can("contacts:read")) {
    const members = viewer.can("members:read");
    const [row] = resultRows<{ contacts: number; actions: number; members: number | null; volunteers: number | null; reports: number }>(
      await tx.execute(sql`select
        ${countOf(sql`from (select 1 from ${contacts} where ${campaignContacts(orgId)} limit ${contactCap + 1}) capped`)} as contacts,
        ${countOf(sql`from actions a where a.org_id = ${orgId} and a.deleted_at is null`)} as actions,
        ${members ? countOf(sql`from memberships m where m.org_id = ${orgId} and m.disabled_at is null`) : sql`null::int`} as members,
        ${members ? countOf(sql`from memberships m where m.org_id = ${orgId} and m.disabled_at is null and m.role = 'volunteer'`) : sql`null::int`} as volunteers,
        ${countOf(sql`from reports r where r.org_id = ${orgId} and r.completed_at >= ${weekStart}::timestamptz`)} as reports`),
    );
    return {
      view: "manager",
      contacts: Math.min(Number(row!.contacts), contactCap),
      contactsExact: Number(row!.contacts) <= contactCap,
      actions: Number(row!.actions),
      members: row!.members === null ? null : Number(row!.members),
      volunteers: row!.volunteers === null ? null : Number(row!.volunteers),
      reportsThisWeek: Number(row!.reports),
    };
  }
  if (!viewer.can("contacts:read_assigned")) throw new TypeError("the dashboard needs contacts:read or contacts:read_assigned");
  const [row] = resultRows<{ assigned: number; synced: number; actions: number; reports: number }>(
    await tx.execute(sql`select
      ${countOf(sql`from ${contacts} where ${and(campaignContacts(orgId), eq(contacts.assignedTo, userId))}`)} as assigned,
      ${countOf(sql`from contacts c where c.org_id = ${orgId} and c.synced_by = ${userId}`)} as synced,
      ${countOf(sql`from actions a where a.org_id = ${orgId} and a.deleted_at is null and exists (
        select 1 from action_assignees aa where aa.action_id = a.id and aa.user_id = ${userId})`)} as actions,
      ${countOf(sql`from reports r where r.org_id = ${orgId} and r.filed_by = ${userId} and r.completed_at >= ${weekStart}::timestamptz`)} as reports`),
  );
  return {
    view: "volunteer",
    assignedContacts: Number(row!.assigned),
    syncedContacts: Number(row!.synced),
    actions: Number(row!.actions),
    reportsThisWeek: Number(row!.reports),
  };
}

export type ChecklistItem = { key: "invite" | "contacts" | "actions"; label: string; href: string; done: boolean };

/**
 * A new campaign's first steps, shown to managers until all are done. `members` counts the viewer too, so
 * "invited" means someone else joined.
 */
export function startChecklist(orgSlug: string, counts: ManagerDashboard): ChecklistItem[] | null {
  const items: ChecklistItem[] = [
    { key: "invite", label: "Invite your volunteers", href: `/o/${orgSlug}/volunteers`, done: (counts.members ?? 0) > 1 },
    { key: "contacts", label: "Add or import contacts", href: `/o/${orgSlug}/contacts/new`, done: counts.contacts > 0 },
    { key: "actions", label: "Create your first action", href: `/o/${orgSlug}/actions/new`, done: counts.actions > 0 },
  ];
  return items.every((i) => i.done) ? null : items;
}
