import "server-only";
import type { FeedItem } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { contactIntegration, type ContactSync } from "@/lib/integrations/service";
import { actionForReport, listReportsForContact, type ReportView } from "@/lib/reports/reports";
import { can } from "@/lib/tenancy/permissions";
import { isUuid } from "@/lib/validation/ids";
import { assignableMembers } from "./assignees";
import { getContact } from "./get-contact";
import { listContactHistory } from "./history";
import { CONTACT_FILTERED_COUNT_CAP, contactTagsInUse, listContacts, type ContactListQuery, type ContactPage } from "./list-contacts";
import { listContactLists, type ContactListSummary } from "./lists";
import type { ContactDetail } from "./read-models";
import type { ContactViewer } from "./visibility";

/** Everything a contacts page shows, read in the page's one tenant transaction. */

type Member = Awaited<ReturnType<typeof assignableMembers>>[number];

export type ContactsPageData = { page: ContactPage; lists: ContactListSummary[]; members: Member[]; tags: string[] };

/** The contacts list with, for managers, the filters' choices (lists, assignees, tags). */
export async function loadContactsPage(tx: Transaction, viewer: ContactViewer, query: ContactListQuery): Promise<ContactsPageData> {
  const manager = can(viewer.role, "contacts:read");
  return {
    page: await listContacts(tx, viewer, query),
    // The filter menu's counts stop sooner than the lists page's: the page must stay cheap at any size.
    lists: manager ? await listContactLists(tx, viewer, { countCap: CONTACT_FILTERED_COUNT_CAP }) : [],
    members: manager ? await assignableMembers(tx, viewer) : [],
    tags: manager ? await contactTagsInUse(tx, viewer) : [],
  };
}

export type ContactPageData = {
  contact: ContactDetail;
  history: FeedItem[];
  lists: ContactListSummary[];
  members: Member[];
  /** The reports on this contact the viewer reads (null only if the contact vanished meanwhile). */
  reports: ReportView[] | null;
  /** The action a report is being filed for (`?action=`), when the viewer may file under it. */
  reportAction: { id: string; title: string } | null;
  /** The external id and sync status, for those who manage integrations. */
  integration: { externalId: string | null; syncs: ContactSync[] } | null;
};

/** One contact with its history, the managers' choices and its reports; null when the viewer may not see it. */
export async function loadContactPage(tx: Transaction, viewer: ContactViewer, id: string, options: { actionId?: string } = {}): Promise<ContactPageData | null> {
  const contact = await getContact(tx, viewer, id);
  if (!contact) return null;
  const manage = contact.view === "full" && can(viewer.role, "contacts:write");
  const wanted = options.actionId && isUuid(options.actionId) && can(viewer.role, "reports:file") ? options.actionId : null;
  return {
    contact,
    history: contact.view === "full" ? await listContactHistory(tx, viewer, id) : [],
    lists: manage ? await listContactLists(tx, viewer) : [],
    members: manage ? await assignableMembers(tx, viewer) : [],
    reports: await listReportsForContact(tx, viewer, id),
    reportAction: wanted ? await actionForReport(tx, viewer, wanted) : null,
    integration: manage && can(viewer.role, "integrations:manage") ? await contactIntegration(tx, viewer.orgId, id) : null,
  };
}
