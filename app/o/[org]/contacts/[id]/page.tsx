import Link from "next/link";
import type { ReactNode } from "react";
import { notFound } from "next/navigation";
import { Card, mutedTextClass, selectClass } from "@/app/_components/ui";
import { loadContactPage } from "@/lib/contacts/page-data";
import type { ContactDetail } from "@/lib/contacts/read-models";
import { contactViewer } from "@/lib/contacts/visibility";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { addToContactListAction, assignContactAction, deleteContactAction, removeFromContactListAction, setContactTagsAction, updateContactAction } from "../actions";
import { ContactForm } from "../contact-form";
import { addressFields } from "../form-input";
import { InlineForm } from "../inline-form";
import { setContactExternalIdAction } from "./external-id-actions";
import { ReportsSection } from "./reports-section";
import { TagsForm } from "./tags-form";

export const metadata = { title: "Contact" };

const syncWords = { queued: "waiting to be sent", sent: "synced", skipped: "nothing to send", failed: "failed", cancelled: "cancelled" } as const;

type SearchParams = Record<string, string | string[] | undefined>;

export default async function ContactPage({ params, searchParams }: { params: Promise<{ org: string; id: string }>; searchParams: Promise<SearchParams> }) {
  const { org, id } = await params;
  const access = await requireOrgAccess(org, ["contacts:read", "contacts:read_assigned"]);
  const sp = await searchParams;
  const actionId = typeof sp.action === "string" ? sp.action : undefined;
  const data = await access.run((tx) => loadContactPage(tx, contactViewer(access), id, { actionId }));
  if (!data) notFound();
  const { contact, history, lists, members, reports, reportAction, integration } = data;
  const slug = access.org.slug;
  const base = `/o/${slug}/contacts`;
  const write = access.can("contacts:write");

  return (
    <div className="flex flex-col gap-6" data-testid="contact-detail">
      <div>
        <p className="mb-2 text-sm">
          <Link href={base} className="underline">
            ← Contacts
          </Link>
        </p>
        <div className="flex flex-wrap items-baseline justify-between gap-3">
          <h1 className="text-2xl font-bold tracking-tight">{contact.name}</h1>
          {(access.can("reports:file") || access.can("reports:read")) && (
            <a href="#report" className="text-sm underline">
              Outreach reports
            </a>
          )}
        </div>
        {sp.created && (
          <p role="status" className="mt-2 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
            Contact added.
          </p>
        )}
      </div>

      <Card>
        <h2 className="mb-3 text-lg font-semibold">Details</h2>
        <Details contact={contact} />
      </Card>

      {contact.canEdit && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Edit</h2>
          <ContactForm
            action={updateContactAction}
            org={slug}
            id={contact.id}
            addressFields={addressFields}
            initial={{
              name: contact.name,
              email: contact.email ?? "",
              phone: contact.phone ?? "",
              notes: contact.notes ?? "",
              ...Object.fromEntries(addressFields.map((f) => [f.name, contact.address?.[f.name] ?? ""])),
            }}
            submitLabel="Save changes"
          />
        </Card>
      )}

      {integration && contact.canEdit && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">External id and sync</h2>
          <InlineForm action={setContactExternalIdAction} hidden={{ org: slug, id: contact.id }} submitLabel="Save external id" testId="contact-external-id-form">
            <div>
              <label htmlFor="contact-external-id" className="block text-sm font-medium">
                External id (VAN ID, PDI id or Engage supporter id)
              </label>
              <input id="contact-external-id" name="externalId" defaultValue={integration.externalId ?? ""} maxLength={64} className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-800" />
            </div>
          </InlineForm>
          <ul className="mt-3 flex flex-col gap-1 text-sm" data-testid="contact-sync-status">
            {integration.syncs.length === 0 ? (
              <li className={mutedTextClass}>{integration.externalId ? "Nothing sent yet: completed reports are sent to connected systems." : "Without an external id, nothing about this contact is sent anywhere."}</li>
            ) : (
              integration.syncs.map((s) => (
                <li key={s.system}>
                  {s.label}: <span data-testid={`contact-sync-${s.system}`}>{syncWords[s.status]}</span> {s.at.toISOString().slice(0, 16).replace("T", " ")} UTC{s.error && s.status !== "sent" ? ` (${s.error})` : ""}
                </li>
              ))
            )}
          </ul>
        </Card>
      )}

      {contact.view === "full" && write && contact.canEdit && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Tags, assignment and lists</h2>
          <div className="flex flex-col gap-5">
<TagsForm action={setContactTagsAction} org={slug} id={contact.id} tags={contact.tags} />
            {!contact.synced && (
              <InlineForm action={assignContactAction} hidden={{ org: slug, id: contact.id }} submitLabel="Save assignment" testId="contact-assign-form">
                <div>
                  <label htmlFor="contact-assignee" className="block text-sm font-medium">
                    Assigned to
                  </label>
                  <select id="contact-assignee" name="assignedTo" defaultValue={contact.assignee?.id ?? ""} className={selectClass}>
                    <option value="">Nobody</option>
                    {members.map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.name} ({m.role})
                      </option>
                    ))}
                  </select>
                </div>
              </InlineForm>
            )}
            <div>
              <h3 className="text-sm font-medium">Lists</h3>
              {contact.lists.length === 0 ? (
                <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">On no list.</p>
              ) : (
                <ul className="mt-1 flex flex-col gap-1">
                  {contact.lists.map((l) => (
                    <li key={l.id} className="flex flex-wrap items-center gap-3 text-sm">
                      <Link href={`${base}?list=${l.id}`} className="underline">
                        {l.name}
                      </Link>
                      <InlineForm action={removeFromContactListAction} hidden={{ org: slug, id: contact.id, listId: l.id }} submitLabel={`Remove from ${l.name}`} />
                    </li>
                  ))}
                </ul>
              )}
              {lists.some((l) => !contact.lists.some((c) => c.id === l.id)) ? (
                <div className="mt-2">
                  <InlineForm action={addToContactListAction} hidden={{ org: slug, id: contact.id }} submitLabel="Add to list">
                    <div>
                      <label htmlFor="contact-list-add" className="block text-sm font-medium">
                        Add to a list
                      </label>
                      <select id="contact-list-add" name="listId" className={selectClass}>
                        {lists
                          .filter((l) => !contact.lists.some((c) => c.id === l.id))
                          .map((l) => (
                            <option key={l.id} value={l.id}>
                              {l.name}
                            </option>
                          ))}
                      </select>
                    </div>
                  </InlineForm>
                </div>
              ) : (
                <p className="mt-2 text-sm">
                  <Link href={`${base}/lists`} className="underline">
                    {lists.length ? "Manage lists" : "Create a list"}
                  </Link>
                </p>
              )}
            </div>
          </div>
        </Card>
      )}

      <ReportsSection access={access} contactId={contact.id} reports={reports} action={reportAction} />

      {contact.view === "full" && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">History</h2>
          {history.length === 0 ? (
            <p className={mutedTextClass}>Nothing recorded for this contact yet.</p>
          ) : (
            <ol className="divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="contact-history">
              {history.map((h) => (
                <li key={h.id} className="flex flex-wrap justify-between gap-2 py-2">
                  <span>{h.sentence}</span>
                  <time dateTime={h.at} className="text-slate-500">
                    {h.at.slice(0, 16).replace("T", " ")} UTC
                  </time>
                </li>
              ))}
            </ol>
          )}
        </Card>
      )}

      {contact.canEdit && (
        <Card className="border-red-200 dark:border-red-900">
          <h2 className="mb-1 text-lg font-semibold">Delete this contact</h2>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            Deletion is permanent: the contact, its reports and its place on lists are removed and cannot be restored. The activity log keeps only that a contact was
            deleted.
          </p>
          <InlineForm action={deleteContactAction} hidden={{ org: slug, id: contact.id }} submitLabel="Delete contact" danger testId="contact-delete-form">
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="confirm" value="yes" required className="h-4 w-4" />I understand this deletes the contact for good
            </label>
          </InlineForm>
        </Card>
      )}
    </div>
  );
}

function Details({ contact }: { contact: ContactDetail }) {
  const a = contact.address;
  const address = a ? [a.line1, a.line2, a.city, a.region, a.postcode, a.country].filter(Boolean).join(", ") : "";
  const rows: [string, ReactNode][] = [
    ["Email", contact.email ? <a key="email" href={`mailto:${contact.email}`} className="underline">{contact.email}</a> : "—"],
    ["Phone", contact.phone ? <a key="phone" href={`tel:${contact.phone.replace(/[^\d+]/g, "")}`} className="underline">{contact.phone}</a> : "—"],
    ["Address", address || "—"],
  ];
  if (contact.notes !== null) rows.push(["Notes", <span key="notes" className="whitespace-pre-wrap">{contact.notes}</span>]);
  if (contact.view === "full") {
    rows.push(["Tags", contact.tags.length ? contact.tags.join(", ") : "—"]);
    rows.push(["Assigned to", contact.assignee ? (contact.assignee.name ?? "a former member") : "Nobody"]);
    rows.push(["Lists", contact.lists.length ? contact.lists.map((l) => l.name).join(", ") : "—"]);
    rows.push(["Source", contact.synced ? "A member's address book (shared through a completed report)" : contact.source]);
    rows.push(["Added", contact.createdAt.toISOString().slice(0, 10)]);
    rows.push(["Last changed", contact.updatedAt.toISOString().slice(0, 10)]);
  } else if (contact.syncedByMe) {
    rows.push(["Source", "Your address book"]);
  }
  return (
    <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="font-medium text-slate-600 dark:text-slate-400">{label}</dt>
          <dd className="break-words">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
