import Link from "next/link";
import { Card } from "@/app/_components/ui";
import { campaignActionFormChoices } from "@/lib/campaign-actions/queries";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { ActionFields } from "../action-fields";
import { addCampaignActionAction } from "../actions";

export const metadata = { title: "New action" };

export default async function NewActionPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "actions:write");
  const choices = await access.run((tx) => campaignActionFormChoices(tx, campaignActionViewer(access)));
  return (
    <Card className="max-w-3xl">
      <p className="mb-2 text-sm">
        <Link href={`/o/${access.org.slug}/actions`} className="underline">
          ← Actions
        </Link>
      </p>
      <h1 className="mb-4 text-lg font-semibold">New action</h1>
      <ActionFields action={addCampaignActionAction} org={access.org.slug} choices={choices} submitLabel="Create action" />
    </Card>
  );
}
