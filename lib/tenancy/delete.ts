import "server-only";
import { and, eq, isNull, sql } from "drizzle-orm";
import {
  actions,
  contactLists,
  contacts,
  deletionRequests,
  imports,
  integrationSecrets,
  invitations,
  memberships,
  organizations,
  reports,
  supportAccessGrants,
} from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { deleteOrganizationBlobs, shredOrganizationKeys } from "@/lib/crypto/shred";
import type { Database } from "@/lib/db";
import { enterTenant, withSystem } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage";

/**
 * Deletes a campaign by crypto-shredding: its keys are destroyed first, so every sealed field, file and archive
 * (here, in blob stores and in backups) becomes unreadable; then its blobs go and everyone loses access. The
 * append-only activity log keeps its events (ids only, no personal data) and the slug stays reserved. The
 * workspace rows go too (contacts with their tokens, list entries and targets, lists, actions, reports); pending
 * deletion requests are closed as completed with the contacts that went, so their requesters see the outcome.
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
    await tx
      .update(deletionRequests)
      .set({
        status: "completed",
        decidedBy: actorId,
        decidedAt: now,
        contactsDeleted: sql`(select count(*)::int from contacts c where c.org_id = deletion_requests.org_id and c.email_index = deletion_requests.email_index)`,
      })
      .where(and(eq(deletionRequests.orgId, orgId), eq(deletionRequests.status, "pending")));
    await tx.delete(imports).where(eq(imports.orgId, orgId));
    await tx.delete(reports).where(eq(reports.orgId, orgId));
    await tx.delete(contacts).where(eq(contacts.orgId, orgId));
    await tx.delete(contactLists).where(eq(contactLists.orgId, orgId));
    await tx.delete(actions).where(eq(actions.orgId, orgId));
    await tx.delete(integrationSecrets).where(eq(integrationSecrets.orgId, orgId));
    await tx.update(invitations).set({ revokedAt: now }).where(and(eq(invitations.orgId, orgId), isNull(invitations.revokedAt)));
    await tx.update(supportAccessGrants).set({ revokedAt: now }).where(and(eq(supportAccessGrants.orgId, orgId), isNull(supportAccessGrants.revokedAt)));
    await tx.delete(memberships).where(eq(memberships.orgId, orgId));
    await tx.update(organizations).set({ name: "Deleted campaign", suspendedAt: now, settings: { deletedAt: now.toISOString() } }).where(eq(organizations.id, orgId));
  });
  return { destroyedKeys, deletedBlobs };
}
