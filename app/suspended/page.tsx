import Link from "next/link";
import { Card, PageHeading } from "@/app/_components/ui";
import { requireSession } from "@/lib/auth/current";

export const metadata = { title: "Campaign suspended" };

export default async function SuspendedPage() {
  await requireSession("/orgs");
  return (
    <div className="mx-auto max-w-lg">
      <PageHeading title="This campaign is suspended" />
      <Card>
        <p>Access to this campaign has been paused by Rampart, usually to protect its data during a security investigation. Nothing has been deleted.</p>
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">The campaign&apos;s owners have been told how to restore access. Your other campaigns are not affected.</p>
        <Link href="/orgs" className="mt-4 inline-block underline">
          Back to your campaigns
        </Link>
      </Card>
    </div>
  );
}
