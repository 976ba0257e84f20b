"use client";

import { useEffect, useRef, useState } from "react";
import type { FeedItem } from "@/lib/audit/activity";
import { mutedTextClass } from "@/app/_components/ui";

const POLL_MS = 5000;

/** The newest activity, kept current by polling the feed API with the newest cursor; pauses while the tab is hidden. */
export function LiveFeed({ org, initial }: { org: string; initial: FeedItem[] }) {
  const [items, setItems] = useState(initial);
  const newest = useRef(initial[0]?.cursor ?? null);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      if (document.hidden) return;
      const params = new URLSearchParams({ limit: "20" });
      if (newest.current) params.set("after", newest.current);
      const res = await fetch(`/api/o/${encodeURIComponent(org)}/activity?${params}`, { cache: "no-store" }).catch(() => null);
      if (!res?.ok || stopped) return;
      const page = (await res.json()) as { items: FeedItem[] };
      if (page.items.length === 0) return;
      newest.current = page.items[0]!.cursor;
      setItems((old) => [...page.items, ...old.filter((o) => !page.items.some((n) => n.id === o.id))].slice(0, 20));
    };
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [org]);

  if (items.length === 0)
    return <p className={mutedTextClass}>Nothing has happened here yet. Invite your team to get started: what they do will show up here.</p>;
  return <FeedList items={items} />;
}

export function FeedList({ items }: { items: FeedItem[] }) {
  return (
    <ol className="divide-y divide-slate-100 dark:divide-slate-800" aria-live="polite" data-testid="activity-feed">
      {items.map((item) => (
        <li key={item.id} className="flex items-baseline justify-between gap-4 py-2 text-sm">
          <span>{item.sentence}</span>
          <time dateTime={item.at} className="shrink-0 text-xs text-slate-500">
            {new Date(item.at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })}
          </time>
        </li>
      ))}
    </ol>
  );
}
