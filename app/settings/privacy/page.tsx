import { Card, PageHeading } from "@/app/_components/ui";
import { CookieSettingsButton } from "@/app/_components/consent";
import { requireSession } from "@/lib/auth/current";

export const metadata = { title: "Privacy" };

export default async function PrivacySettingsPage() {
  await requireSession("/settings/privacy");
  return (
    <div className="flex flex-col gap-6">
      <PageHeading title="Privacy" lead="Your cookie choices. Exporting your data and deleting what you synced arrive with the campaign workspace." />
      <Card>
        <h2 className="mb-2 text-lg font-semibold">Cookies</h2>
        <p className="mb-3 text-sm">Strictly necessary cookies keep you signed in. Preference cookies are used only if you allow them.</p>
        <CookieSettingsButton />
      </Card>
    </div>
  );
}
