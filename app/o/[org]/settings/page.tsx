import { Card } from "@/app/_components/ui";
import { requireOrgAccess } from "@/lib/tenancy/next";
import { updateSecuritySettingsAction } from "./actions";
import { SecuritySettingsForm } from "./settings-form";

export const metadata = { title: "Campaign settings" };

export default async function OrgSettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "org:settings");
  return (
    <Card className="max-w-2xl">
      <h1 className="mb-4 text-lg font-semibold">Security policy</h1>
      <SecuritySettingsForm action={updateSecuritySettingsAction} org={access.org.slug} settings={access.org.settings} />
    </Card>
  );
}
