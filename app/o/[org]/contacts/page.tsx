import Link from "next/link";
import { KeysetPager, keysetHref, pageLabels } from "@/app/_components/keyset-pager";
import { Card, dividedListClass, inputClass, primaryButtonClass, secondaryButtonClass, selectClass } from "@/app/_components/ui";
import { contactPosition, type ContactPage } from "@/lib/contacts/list-contacts";
import { loadContactsPage } from "@/lib/contacts/page-data";
import { contactViewer } from "@/lib/contacts/visibility";
import { requireOrgAccess } from "@/lib/tenancy/guards";

export const metadata = { title: "Contacts" };

type SearchParams = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
const n = (x: number) => x.toLocaleString("en-US");

export default async function ContactsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<SearchParams> }) {
  const { org } = await params;
  const sp = await searchParams;
  const access = await requireOrgAccess(org, ["contacts:read", "contacts:read_assigned"]);
  const viewer = contactViewer(access);
  const manager = access.can("contacts:read");
  const query = {
    q: one(sp.q)?.slice(0, 200) ?? "",
    tag: manager ? one(sp.tag) : undefined,
    listId: manager ? one(sp.list) : undefined,
    assignedTo: manager ? one(sp.assigned) : undefined,
    position: contactPosition({ after: one(sp.after), before: one(sp.before), last: one(sp.last) }),
  };
  const { page, lists, members, tags } = await access.run((tx) => loadContactsPage(tx, viewer, query));
  const base = `/o/${access.org.slug}/contacts`;
  const filters = { q: query.q, tag: query.tag, list: query.listId, assigned: query.assignedTo };
  const filtered = Object.values(filters).some(Boolean);
  // Pages go by keyset cursors (after / before a row, or the oldest page with last=1), the filters kept.
  const href = () => keysetHref(base, filters);
  const total = page.count.exact ? n(page.count.value) : `${n(page.count.value)}+`;

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">{manager ? "Contacts" : "Your contacts"}</h1>
          {!manager && <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">The people assigned to you and the ones you added from your address book.</p>}
        </div>
        <div className="flex flex-wrap gap-2">
          {access.can("contacts:write") && (
            <Link href={`${base}/new`} className={primaryButtonClass}>
              Add contact
            </Link>
          )}
          {access.can("contacts:sync") && (
            <Link href={`${base}/sync`} className={secondaryButtonClass}>
              Add from my address book
            </Link>
          )}
          {manager && (
            <Link href={`${base}/lists`} className={secondaryButtonClass}>
              Lists
            </Link>
          )}
          {access.can("contacts:export") && (
            // A plain link: prefetching would run (and log) an export.
            <a href={`${base}/export`} className={secondaryButtonClass} data-testid="export-link" download>
              Export CSV
            </a>
          )}
        </div>
      </div>

      {one(sp.deleted) && (
        <p role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
          The contact was deleted for good.
        </p>
      )}

      <Card>
        <form method="get" action={base} role="search" className="flex flex-wrap items-end gap-3" data-testid="contact-search">
          <div className="min-w-[16rem] flex-1">
            <label htmlFor="contact-q" className="block text-sm font-medium">
              Search
            </label>
            <input id="contact-q" name="q" type="search" defaultValue={query.q} placeholder="Exact email or phone, or the start of a name" className={inputClass} />
          </div>
          {manager && tags.length > 0 && (
            <div>
              <label htmlFor="contact-tag" className="block text-sm font-medium">
                Tag
              </label>
              <select id="contact-tag" name="tag" defaultValue={query.tag ?? ""} className={selectClass}>
                <option value="">Any tag</option>
                {tags.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
          )}
          {manager && lists.length > 0 && (
            <div>
              <label htmlFor="contact-list" className="block text-sm font-medium">
                List
              </label>
              <select id="contact-list" name="list" defaultValue={query.listId ?? ""} className={selectClass}>
                <option value="">Any list</option>
                {lists.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name} ({n(l.members)}
                    {l.membersExact ? "" : "+"})
                  </option>
                ))}
              </select>
            </div>
          )}
          {manager && (
            <div>
              <label htmlFor="contact-assigned" className="block text-sm font-medium">
                Assigned to
              </label>
              <select id="contact-assigned" name="assigned" defaultValue={query.assignedTo ?? ""} className={selectClass}>
                <option value="">Anyone or nobody</option>
                <option value="none">Nobody</option>
                {members.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <button type="submit" className={primaryButtonClass}>
            Search
          </button>
          {filtered && (
            <Link href={base} className="py-2 text-sm underline">
              Clear
            </Link>
          )}
        </form>
      </Card>

      <Card>
        {page.count.value === 0 ? (
          <Empty manager={manager} filtered={filtered} search={page.search} base={base} canWrite={access.can("contacts:write")} />
        ) : (
          <>
            <p className="mb-3 text-sm text-slate-600 dark:text-slate-400" data-testid="contact-count">
              {page.rows.length > 0 ? `Showing ${n(page.rows.length)} of ${total}` : `${total} contacts`}
            </p>
            {page.rows.length > 0 ? (
              <ContactTable page={page} base={base} />
            ) : (
              <p>
                This page is past the end.{" "}
                <Link href={href()} className="underline">
                  Go to the first page
                </Link>
              </p>
            )}
            <KeysetPager page={page} base={base} keep={filters} labels={pageLabels} />
          </>
        )}
      </Card>
    </div>
  );
}

function ContactTable({ page, base }: { page: ContactPage; base: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800">
          <tr>
            <th scope="col" className="py-2 pr-4">
              Name
            </th>
            <th scope="col" className="py-2 pr-4">
              Email
            </th>
            <th scope="col" className="py-2 pr-4">
              Phone
            </th>
            <th scope="col" className="py-2 pr-4">
              City
            </th>
            {page.view === "full" && (
              <>
                <th scope="col" className="py-2 pr-4">
                  Tags
                </th>
                <th scope="col" className="py-2 pr-4">
                  Assigned to
                </th>
              </>
            )}
            <th scope="col" className="py-2">
              Added
            </th>
          </tr>
        </thead>
        <tbody className={dividedListClass}>
          {page.view === "full"
            ? page.rows.map((c) => (
                <tr key={c.id} data-testid="contact-row">
                  <Common c={c} base={base} />
                  <td className="py-2 pr-4">{c.tags.join(", ")}</td>
                  <td className="py-2 pr-4">{c.assignee ? (c.assignee.name ?? "a former member") : c.synced ? "From a member's address book" : "—"}</td>
                  <td className="py-2 whitespace-nowrap">{c.createdAt.toISOString().slice(0, 10)}</td>
                </tr>
              ))
            : page.rows.map((c) => (
                <tr key={c.id} data-testid="contact-row">
                  <Common c={c} base={base} />
                  <td className="py-2 whitespace-nowrap">
                    {c.createdAt.toISOString().slice(0, 10)}
                    {c.syncedByMe && <span className="ml-2 rounded bg-slate-100 px-1.5 text-xs dark:bg-slate-800">from your address book</span>}
                  </td>
                </tr>
              ))}
        </tbody>
      </table>
    </div>
  );
}

function Common({ c, base }: { c: ContactPage["rows"][number]; base: string }) {
  return (
    <>
      <td className="py-2 pr-4 font-medium">
        <Link href={`${base}/${c.id}`} className="underline-offset-2 hover:underline">
          {c.name}
        </Link>
      </td>
      <td className="py-2 pr-4 break-all">{c.email ?? ""}</td>
      <td className="py-2 pr-4 whitespace-nowrap">{c.phone ?? ""}</td>
      <td className="py-2 pr-4">{c.address?.city ?? ""}</td>
    </>
  );
}

function Empty({ manager, filtered, search, base, canWrite }: { manager: boolean; filtered: boolean; search: string | null; base: string; canWrite: boolean }) {
  if (filtered)
    return (
      <div data-testid="contacts-empty">
        <p className="font-medium">No contact matches{search ? " this search" : " these filters"}.</p>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Search finds an exact email address or phone number (in any format), or names by the start of each word: &ldquo;mar lo&rdquo; finds Maria Lopez. Names are
          stored encrypted, so parts from the middle of a word are not found.
        </p>
        <Link href={base} className="mt-2 inline-block text-sm underline">
          Show all contacts
        </Link>
      </div>
    );
  if (manager)
    return (
      <div data-testid="contacts-empty">
        <p className="font-medium">No contacts yet — add the first one, then assign contacts to your volunteers.</p>
        {canWrite && (
          <p className="mt-2 flex flex-wrap gap-3 text-sm">
            <Link href={`${base}/new`} className="underline">
              Add a contact
            </Link>
          </p>
        )}
      </div>
    );
  return (
    <p data-testid="contacts-empty">
      No contacts are assigned to you yet. Contacts an admin assigns to you, and ones you add from your address book, appear here.
    </p>
  );
}
