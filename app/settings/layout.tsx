import Link from "next/link";
import type { ReactNode } from "react";
import { requireSession } from "@/lib/auth/current";

const tabs = [
  { href: "/settings", label: "Profile" },
  { href: "/settings/security", label: "Security" },
  { href: "/settings/privacy", label: "Privacy" },
];

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  await requireSession("/settings");
  return (
    <div className="flex flex-col gap-6 md:flex-row">
      <nav aria-label="Settings" className="md:w-48">
        <ul className="flex gap-2 md:flex-col">
          {tabs.map((t) => (
            <li key={t.href}>
              <Link href={t.href} className="block rounded px-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-800">
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="min-w-0 flex-1">{children}</div>
    </div>
  );
}
