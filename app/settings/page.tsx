import { Card, PageHeading } from "@/app/_components/ui";
import { requireSession } from "@/lib/auth/current";

export const metadata = { title: "Your profile" };

export default async function ProfilePage() {
  const { user } = await requireSession("/settings");
  return (
    <div>
      <PageHeading title="Your profile" />
      <Card>
        <dl className="grid grid-cols-[8rem_1fr] gap-2 text-sm">
          <dt className="font-medium">Name</dt>
          <dd>{user.name}</dd>
          <dt className="font-medium">Email</dt>
          <dd>{user.email}</dd>
        </dl>
      </Card>
    </div>
  );
}
