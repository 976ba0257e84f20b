import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { integrationSecrets, invitations, memberships, organizations, supportAccessGrants } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { deleteOrganizationBlobs, shredOrganizationKeys } from "@/lib/crypto/shred";
import type { Database } from "@/lib/db";
import { enterTenant, withSystem } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage";

/**
 * Deletes a campaign by crypto-shredding: its keys are destroyed first, so every sealed field, file and archive
 * (here, in blob stores and in backups) becomes unreadable; then its blobs go and everyone loses access. The
 * append-only activity log keeps its events (ids only, no personal data) and the slug stays reserved.
 */
export async function deleteCampaign(db: Database, store: BlobStore, orgId: string, actorId: string): Promise<{ destroyedKeys: number; deletedBlobs: number }> {
  await withSystem(db, async (tx) => {
    await enterTenant(tx, { orgId });
    await recordAuditEvent(tx, { orgId, actor: { kind: "member", id: actorId }, action: "org.deleted" });
  });
  const { destroyedKeys } = await shredOrganizationKeys(db, orgId);
  const deletedBlobs = await deleteOrganizationBlobs(store, orgId);
  await withSystem(db, async (tx) => {
    await enterTenant(tx, { orgId });
    const now = new Date();
    await tx.delete(integrationSecrets).where(eq(integrationSecrets.orgId, orgId));
    await tx.update(invitations).set({ revokedAt: now }).where(and(eq(invitations.orgId, orgId), isNull(invitations.revokedAt)));
    await tx.update(supportAccessGrants).set({ revokedAt: now }).where(and(eq(supportAccessGrants.orgId, orgId), isNull(supportAccessGrants.revokedAt)));
    await tx.delete(memberships).where(eq(memberships.orgId, orgId));
    await tx.update(organizations).set({ name: "Deleted campaign", suspendedAt: now, settings: { deletedAt: now.toISOString() } }).where(eq(organizations.id, orgId));
  });
  return { destroyedKeys, deletedBlobs };
}
