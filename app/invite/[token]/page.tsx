import { ActionButton } from "@/app/_components/action-button";
import { Card, PageHeading, mutedTextClass } from "@/app/_components/ui";
import { requireSession } from "@/lib/auth/current";
import { getServices } from "@/lib/services";
import { previewInvitation } from "@/lib/tenancy/campaigns";
import { acceptInvitationAction, declineInvitationAction } from "./actions";

export const metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const session = await requireSession(`/invite/${token}`);
  const { db } = await getServices();
  const preview = token.length <= 100 ? await previewInvitation(db, session.user.id, token) : null;
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Invitation" />
      <Card>
        {!preview || !preview.valid ? (
          <p>This invitation has expired, was already used, or was withdrawn. Ask the campaign for a new one.</p>
        ) : (
          <div className="flex flex-col gap-4">
            <p>
              You are invited to join <strong>{preview.org_name}</strong> as {preview.role === "admin" ? "an admin" : `a ${preview.role}`}.
            </p>
            <p className={mutedTextClass}>Signed in as {session.user.email}. The invitation only works for the address it was sent to.</p>
            <div className="flex gap-3">
              <ActionButton action={acceptInvitationAction} hidden={{ token }} label="Accept and join" />
              <ActionButton action={declineInvitationAction} hidden={{ token }} label="Decline" variant="danger" />
            </div>
          </div>
        )}
      </Card>
    </div>
  );
}
