import Link from "next/link";
import type { ReactNode } from "react";
import { IncidentBanner } from "@/app/_components/incident-banner";
import { unacknowledgedIncidents } from "@/lib/incidents";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { mutedTextClass } from "@/app/_components/ui";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "org:view", { recordSupportUse: false });
  const base = `/o/${access.org.slug}`;
  const tabs = [
    { href: base, label: "Dashboard", show: true },
    { href: `${base}/contacts`, label: "Contacts", show: access.can("contacts:read") || access.can("contacts:read_assigned") },
    { href: `${base}/actions`, label: "Actions", show: access.can("actions:read") || access.can("actions:read_assigned") },
    { href: `${base}/reports`, label: "Reports", show: access.can("reports:read") || access.can("reports:file") },
    { href: `${base}/activity`, label: "Activity", show: access.can("activity:read") || access.can("activity:read_own") },
    { href: `${base}/volunteers`, label: "Volunteers", show: access.can("members:read") },
    { href: `${base}/imports`, label: "Imports", show: access.can("imports:manage") },
    { href: `${base}/deletion-requests`, label: "Deletion requests", show: access.can("deletion_requests:manage") },
    { href: `${base}/integrations`, label: "Integrations", show: access.can("integrations:manage") },
    { href: `${base}/settings`, label: "Settings", show: access.can("org:settings") },
  ].filter((t) => t.show);
  const incidents = access.can("incidents:acknowledge") ? await access.run((tx) => unacknowledgedIncidents(tx, access.org.id)) : [];
  return (
    <div className="flex flex-col gap-6">
      {access.role === "support" && (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
          Support access: read-only, time-limited, and every page you open is shown in this campaign&apos;s activity feed.
        </p>
      )}
      <IncidentBanner slug={access.org.slug} incidents={incidents} />
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className={mutedTextClass}>
          <span className="font-semibold text-slate-900 dark:text-slate-100">{access.org.name}</span> · you are {access.role === "support" ? "platform support" : access.role === "volunteer" ? "a volunteer" : `an ${access.role}`}
        </p>
        <nav aria-label="Campaign">
          <ul className="flex flex-wrap gap-1 text-sm">
            {tabs.map((t) => (
              <li key={t.href}>
                <Link href={t.href} className="rounded px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
                  {t.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      {children}
    </div>
  );
}
