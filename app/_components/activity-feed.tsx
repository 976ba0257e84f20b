import { auditCategoryLabels } from "@/lib/audit/categories";
import type { FeedItem } from "@/lib/audit/activity";
import { mutedTextClass } from "@/app/_components/ui";

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * The activity feed as a list of sentences, given its items (from loadActivityFeed or loadAccountActivityFeed).
 * Presentational only: no data fetching and no server-only imports, so a client component (live updates) can render it too.
 */
export function ActivityFeed({
  items,
  empty = "Nothing to show yet.",
  showCategory = false,
}: {
  items: FeedItem[];
  /** Shown when there are no items. */
  empty?: string;
  /** Adds the kind of event ("Sign-ins", "Members and invitations", …) under each sentence. */
  showCategory?: boolean;
}) {
  if (items.length === 0) return <p className={mutedTextClass}>{empty}</p>;
  return (
    <ol className="divide-y divide-slate-100 dark:divide-slate-800" aria-live="polite" data-testid="activity-feed">
      {items.map((item) => (
        <li key={item.id} className="flex items-baseline justify-between gap-4 py-2 text-sm" data-action={item.action}>
          <span>
            {item.sentence}
            {showCategory && <span className="ml-2 text-xs text-slate-500 dark:text-slate-400">{auditCategoryLabels[item.category]}</span>}
          </span>
          <time dateTime={item.at} className="shrink-0 text-xs text-slate-500 dark:text-slate-400">
            {when.format(new Date(item.at))} UTC
          </time>
        </li>
      ))}
    </ol>
  );
}
