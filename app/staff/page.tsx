import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading } from "@/app/_components/ui";
import { requireSession } from "@/lib/auth/current";
import { openSupportAccessAction, setOrgSuspendedAction, setUserDisabledAction } from "./actions";
import { BackupStatusCard } from "./backup-status";

export const metadata = { title: "Staff console" };

export default async function StaffPage() {
  const { user } = await requireSession("/staff");
  if (!user.isStaff) notFound();
  return (
    <div className="flex flex-col gap-6">
      <PageHeading title="Staff console" lead="Platform staff see no campaign data by default. Everything here is recorded." />
      <p>
        <Link href="/staff/incidents" className="font-medium underline-offset-2 hover:underline">
          Security incidents: record one, add to its timeline, notify the affected campaigns →
        </Link>
      </p>
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Open support access</h2>
        <ActionForm
          action={openSupportAccessAction}
          submitLabel="Open read-only access"
          fields={[
            { name: "slug", label: "Campaign address (slug)" },
            { name: "reason", label: "Reason (shown to the campaign)" },
            { name: "minutes", label: "Minutes (at most 1440)", type: "number", inputMode: "numeric" },
          ]}
        />
      </Card>
      <div className="grid gap-6 md:grid-cols-2">
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Disable or enable an account</h2>
          <ActionForm
            action={setUserDisabledAction}
            submitLabel="Apply"
            fields={[
              { name: "email", label: "Account email", type: "email" },
              { name: "disabled", label: "true to disable, false to enable" },
            ]}
          />
        </Card>
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Suspend or restore a campaign</h2>
          <ActionForm
            action={setOrgSuspendedAction}
            submitLabel="Apply"
            fields={[
              { name: "slug", label: "Campaign address (slug)" },
              { name: "suspended", label: "true to suspend, false to restore" },
            ]}
          />
        </Card>
      </div>
      <BackupStatusCard />
    </div>
  );
}
