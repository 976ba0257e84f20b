import { ActionButton } from "@/app/_components/action-button";
import { Card, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import { syncedContactCounts } from "@/lib/contacts/sync";
import { listMembers, listOpenInvitations } from "@/lib/tenancy/campaigns";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { assignableRoles } from "@/lib/tenancy/permissions";
import { changeRoleAction, inviteAction, removeMemberAction, revokeInvitationAction, setMemberDisabledAction } from "./actions";
import { InviteForm } from "./invite-form";
import { RoleForm } from "./role-form";

export const metadata = { title: "Volunteers and members" };

export default async function VolunteersPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "members:read");
  const [members, invites, synced] = await access.run(
    async (tx) => [await listMembers(tx, access.org.id), await listOpenInvitations(tx, access.org.id), await syncedContactCounts(tx, access.org.id)] as const,
  );
  const manage = access.can("members:manage");
  const options = assignableRoles(access.role);
  const slug = access.org.slug;
  return (
    <div className="flex flex-col gap-6">
      <Card>
        <h1 className="mb-1 text-lg font-semibold">Members</h1>
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
          Synced contacts: how many contacts each person added from their own address book. You see one only after they complete a report on it.
        </p>
        <ul className={dividedListClass} data-testid="member-list">
          {members.map((m) => {
            const mayTouch = manage && m.userId !== access.userId && (m.role !== "owner" || access.can("members:manage_owners"));
            return (
              <li key={m.userId} className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="member-row">
                <div>
                  <p className="font-medium">
                    {m.name} {m.userId === access.userId && <span className="text-sm text-slate-500">(you)</span>}
                  </p>
                  <p className="text-sm capitalize text-slate-600 dark:text-slate-400">
                    {m.role}
                    {m.disabled && <span className="ml-2 rounded bg-red-100 px-2 text-xs text-red-800 normal-case">access disabled</span>}
                  </p>
                  <p className={mutedTextClass} data-testid="synced-count">
                    Synced contacts: {synced.get(m.userId) ?? 0}
                  </p>
                </div>
                {mayTouch && (
                  <div className="flex flex-wrap items-center gap-2">
                    <RoleForm action={changeRoleAction} org={slug} userId={m.userId} current={m.role} options={options} name={m.name} />
                    <ActionButton
                      action={setMemberDisabledAction}
                      hidden={{ org: slug, userId: m.userId, disabled: m.disabled ? "false" : "true" }}
                      label={m.disabled ? "Restore access" : "Disable access"}
                    />
                    <ActionButton action={removeMemberAction} hidden={{ org: slug, userId: m.userId }} label="Remove" variant="danger" />
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      </Card>
      {access.can("members:invite") && (
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Invite someone</h2>
          <InviteForm action={inviteAction} org={slug} roles={options} />
          {invites.length > 0 && (
            <>
              <h3 className="mt-6 mb-2 font-semibold">Open invitations</h3>
              <ul className={dividedListClass}>
                {invites.map((i) => (
                  <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                    <span>
                      {i.emailHint} as {i.role} · expires {i.expiresAt.toISOString().slice(0, 10)}
                    </span>
                    <ActionButton action={revokeInvitationAction} hidden={{ org: slug, invitationId: i.id }} label="Withdraw" variant="danger" />
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
      )}
    </div>
  );
}
