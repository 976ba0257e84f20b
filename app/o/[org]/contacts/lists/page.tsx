import Link from "next/link";
import { Card, dividedListClass, inputClass, mutedTextClass } from "@/app/_components/ui";
import { contactViewer } from "@/lib/contacts/visibility";
import { listContactLists } from "@/lib/contacts/lists";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { createContactListAction, deleteContactListAction } from "../actions";
import { InlineForm } from "../inline-form";

export const metadata = { title: "Contact lists" };

export default async function ContactListsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "contacts:read");
  const lists = await access.run((tx) => listContactLists(tx, contactViewer(access)));
  const slug = access.org.slug;
  const base = `/o/${slug}/contacts`;
  const write = access.can("contacts:write");
  return (
    <div className="flex flex-col gap-6">
      <div>
        <p className="mb-2 text-sm">
          <Link href={base} className="underline">
            ← Contacts
          </Link>
        </p>
        <h1 className="text-2xl font-bold tracking-tight">Contact lists</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">Group contacts for a phone bank, a canvass or a mailing. Add contacts to a list from their page.</p>
      </div>
      {write && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">New list</h2>
          <InlineForm action={createContactListAction} hidden={{ org: slug }} submitLabel="Create list" testId="list-create-form">
            <div className="min-w-[16rem] flex-1">
              <label htmlFor="list-name" className="block text-sm font-medium">
                Name
              </label>
              <input id="list-name" name="name" required maxLength={80} className={inputClass} />
            </div>
          </InlineForm>
        </Card>
      )}
      <Card>
        {lists.length === 0 ? (
          <p>{write ? "No lists yet. Create one above, then add contacts to it from their page." : "This campaign has no contact lists yet."}</p>
        ) : (
          <ul className={dividedListClass}>
            {lists.map((l) => (
              <li key={l.id} className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="list-row">
                <div>
                  <Link href={`${base}?list=${l.id}`} className="font-medium underline-offset-2 hover:underline">
                    {l.name}
                  </Link>
                  <p className={mutedTextClass}>
                    {l.members.toLocaleString("en-US")}
                    {l.membersExact ? "" : "+"} {l.members === 1 && l.membersExact ? "contact" : "contacts"} · created {l.createdAt.toISOString().slice(0, 10)}
                  </p>
                </div>
                {write && <InlineForm action={deleteContactListAction} hidden={{ org: slug, listId: l.id }} submitLabel={`Delete list ${l.name}`} danger />}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
