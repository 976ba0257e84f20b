import Link from "next/link";
import { keysetParamNames, type KeysetPage } from "@/lib/pagination/keyset";

type Labels = { first: string; prev: string; next: string; last: string };

/** Contacts and reports read as pages; the history lists as time. */
export const pageLabels: Labels = { first: "First", prev: "Previous", next: "Next", last: "Last" };
export const timeLabels: Labels = { first: "Newest", prev: "Newer", next: "Older", last: "Oldest" };

type Query = Record<string, string | null | undefined>;

/**
 * The URL of a list's page: `keep` holds the page's other parameters (filters, the other list's cursor), `at` this
 * list's position (no cursor: its first page). Empty values are left out.
 */
export function keysetHref(base: string, keep: Query, at: Query = {}): string {
  const qs = new URLSearchParams(Object.entries({ ...keep, ...at }).filter(([, v]) => v) as [string, string][]);
  return qs.size ? `${base}?${qs}` : base;
}

/**
 * The cursor parameters of a page that shows two lists (`""` and, say, `"drafts_"`), to keep when one of them moves;
 * nothing else of the URL is carried over.
 */
export function keysetCursorsOf(searchParams: Record<string, string | string[] | undefined>, prefixes: string[]): Record<string, string> {
  const names = new Set(prefixes.flatMap((prefix) => Object.values(keysetParamNames(prefix))));
  return Object.fromEntries(Object.entries(searchParams).filter((e): e is [string, string] => names.has(e[0]) && typeof e[1] === "string"));
}

/**
 * First / previous / next / last links of a keyset-paginated list: plain links (keyboard reachable, work without
 * JavaScript), the cursors opaque. `prefix` names the list's parameters when a page shows two lists.
 */
export function KeysetPager({
  page,
  base,
  keep = {},
  prefix = "",
  labels = timeLabels,
  label = "Pages",
  testId,
}: {
  page: Pick<KeysetPage<unknown>, "nextCursor" | "prevCursor">;
  base: string;
  keep?: Query;
  prefix?: string;
  labels?: Labels;
  label?: string;
  testId?: string;
}) {
  if (!page.prevCursor && !page.nextCursor) return null;
  const names = keysetParamNames(prefix);
  // This list's own position is replaced; everything else on the page stays.
  const others = Object.fromEntries(Object.entries(keep).filter(([k]) => !Object.values(names).includes(k)));
  const href = (at: Query = {}) => keysetHref(base, others, at);
  const link =
    "rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 dark:border-slate-600 dark:hover:bg-slate-800 dark:focus-visible:outline-slate-100";
  return (
    <nav aria-label={label} className="mt-4 flex flex-wrap items-center gap-2 text-sm" data-testid={testId}>
      {page.prevCursor && (
        <Link href={href()} className={link}>
          {labels.first}
        </Link>
      )}
      {page.prevCursor && (
        <Link href={href({ [names.before]: page.prevCursor })} className={link} rel="prev">
          {labels.prev}
        </Link>
      )}
      {page.nextCursor && (
        <Link href={href({ [names.after]: page.nextCursor })} className={link} rel="next">
          {labels.next}
        </Link>
      )}
      {page.nextCursor && (
        <Link href={href({ [names.last]: "1" })} className={link}>
          {labels.last}
        </Link>
      )}
    </nav>
  );
}
