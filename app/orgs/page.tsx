import Link from "next/link";
import { eq } from "drizzle-orm";
import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading } from "@/app/_components/ui";
import { memberships, organizations } from "@/db/schema";
import { requireSession } from "@/lib/auth/current";
import { getServices } from "@/lib/services";
import { withPerson } from "@/lib/db";
import { ActionButton } from "@/app/_components/action-button";
import { createCampaignAction, leaveCampaignAction } from "./actions";

export const metadata = { title: "Your campaigns" };

export default async function OrgsPage() {
  const { user } = await requireSession("/orgs");
  const { db } = await getServices();
  const mine = await withPerson(db, user.id, (tx) =>
    tx
      .select({ slug: organizations.slug, name: organizations.name, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(eq(memberships.userId, user.id))
      .orderBy(organizations.name),
  );
  return (
    <div className="flex flex-col gap-8">
      <PageHeading title="Your campaigns" lead={`Signed in as ${user.name}.`} />
      {mine.length === 0 ? (
        <Card>
          <p className="font-medium">You are not part of a campaign yet.</p>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">Create one below, or ask a campaign admin to invite you with this email address.</p>
        </Card>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2" data-testid="org-list">
          {mine.map((o) => (
            <li key={o.slug}>
              <Card>
                <Link href={`/o/${o.slug}`} className="text-lg font-semibold underline-offset-2 hover:underline">
                  {o.name}
                </Link>
                <div className="mt-1 flex items-center justify-between gap-2">
                  <p className="text-sm capitalize text-slate-600 dark:text-slate-400">{o.role}</p>
                  <ActionButton action={leaveCampaignAction} hidden={{ org: o.slug }} label="Leave" variant="danger" />
                </div>
              </Card>
            </li>
          ))}
        </ul>
      )}
      <Card className="max-w-xl">
        <h2 className="mb-4 text-lg font-semibold">Create a campaign</h2>
        <ActionForm
          action={createCampaignAction}
          submitLabel="Create campaign"
          fields={[
            { name: "name", label: "Campaign name", autoComplete: "organization" },
            { name: "slug", label: "Web address (optional)", required: false, hint: "Lowercase letters, digits and dashes; made from the name if you leave it empty." },
          ]}
        />
      </Card>
    </div>
  );
}
