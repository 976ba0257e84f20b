import type { OrgAccess } from "@/lib/tenancy/access";
import { can, type AccessRole, type Permission } from "@/lib/tenancy/permissions";
import { NotFoundError, RuleError } from "@/lib/errors";

/** The person looking at campaign actions, in one campaign; their role decides the view (the permission table, nothing else). */
export type CampaignActionViewer = { orgId: string; userId: string; role: AccessRole };
export const campaignActionViewer = (access: Pick<OrgAccess, "org" | "userId" | "role">): CampaignActionViewer => ({
  orgId: access.org.id,
  userId: access.userId,
  role: access.role,
});

export type CampaignActionWriteOptions = { requestId?: string | null };

/** Not there, in the trash when a live one is wanted (or the reverse), or not the viewer's: the same answer. */
export const campaignActionNotFound = () => new NotFoundError("That action does not exist or is not available to you.");

/** Refuses a viewer without the permission: with the message given, or as if the action did not exist. */
export function requirePermission(viewer: CampaignActionViewer, permission: Permission, message?: string): void {
  if (!can(viewer.role, permission)) throw message ? new RuleError(message) : campaignActionNotFound();
}

export const readsAllCampaignActions = (viewer: CampaignActionViewer) => can(viewer.role, "actions:read");
export const readsAssignedCampaignActions = (viewer: CampaignActionViewer) => can(viewer.role, "actions:read_assigned");
