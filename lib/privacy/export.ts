import "server-only";
import { and, asc, count, desc, eq, isNull } from "drizzle-orm";
import { consentRecords, contacts, memberships, recoveryCodes, signInAttempts, totpFactors, users, webauthnCredentials } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { sealedContacts } from "@/lib/contacts/sealed";
import type { Database } from "@/lib/db/client";
import { withPerson } from "@/lib/db/tenant";
import { campaignNames, inCampaignFor, openCampaignIds } from "./campaigns";
import { listOwnDeletionRequests } from "./deletion-requests";
import { listReceipts, writeReceipts } from "./receipts";
import { listSyncedContactCounts } from "./synced";

/**
 * Everything Rampart holds about the person, as JSON: their account, campaigns, consent proofs, sign-ins,
 * privacy receipts and requests, and the contacts they synced, decrypted. Never a hash, secret, key, another
 * person's account, or a campaign contact they did not sync themselves.
 */
export async function buildAccountExport(db: Database, userId: string, now = new Date()) {
  const personal = await withPerson(db, userId, async (tx) => {
    const [account] = await tx
      .select({ email: users.email, name: users.name, emailVerifiedAt: users.emailVerifiedAt, createdAt: users.createdAt })
      .from(users)
      .where(eq(users.id, userId));
    const [totp] = await tx.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, userId));
    const keys = await tx
      .select({ name: webauthnCredentials.name, createdAt: webauthnCredentials.createdAt, lastUsedAt: webauthnCredentials.lastUsedAt })
      .from(webauthnCredentials)
      .where(eq(webauthnCredentials.userId, userId))
      .orderBy(asc(webauthnCredentials.createdAt));
    const [codes] = await tx.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
    const member = await tx
      .select({ orgId: memberships.orgId, role: memberships.role, joinedAt: memberships.createdAt, disabledAt: memberships.disabledAt })
      .from(memberships)
      .where(eq(memberships.userId, userId));
    const consent = await tx
      .select({ choice: consentRecords.choice, categories: consentRecords.categories, policyVersion: consentRecords.policyVersion, createdAt: consentRecords.createdAt })
      .from(consentRecords)
      .where(eq(consentRecords.userId, userId))
      .orderBy(desc(consentRecords.createdAt));
    const signIns = await tx
      .select({ createdAt: signInAttempts.createdAt, outcome: signInAttempts.outcome, method: signInAttempts.method, device: signInAttempts.deviceSummary })
      .from(signInAttempts)
      .where(eq(signInAttempts.userId, userId))
      .orderBy(desc(signInAttempts.createdAt));
    return { account, totp, keys, recoveryCodesLeft: Number(codes?.n ?? 0), member, consent, signIns };
  });
  if (!personal.account) throw new Error("the account to export does not exist");

  const names = await campaignNames(db, personal.member.map((m) => m.orgId));
  const open = await openCampaignIds(db, userId);
  const syncedContacts = [];
  for (const campaign of await listSyncedContactCounts(db, userId)) {
    const rows = await inCampaignFor(db, campaign.orgId, userId, open.has(campaign.orgId), async (tx) =>
      sealedContacts.openAll(
        tx,
        await tx
          .select()
          .from(contacts)
          .where(and(eq(contacts.orgId, campaign.orgId), eq(contacts.syncedBy, userId)))
          .orderBy(asc(contacts.createdAt)),
      ),
    );
    syncedContacts.push({
      campaign: campaign.orgName,
      contacts: rows.map((c) => ({ name: c.name, email: c.email, phone: c.phone, address: c.address, notes: c.notes, tags: c.tags, syncedAt: c.createdAt })),
    });
  }

  return {
    format: "rampart-account-export",
    version: 1,
    exportedAt: now.toISOString(),
    account: {
      email: personal.account.email,
      name: personal.account.name,
      emailVerifiedAt: personal.account.emailVerifiedAt,
      createdAt: personal.account.createdAt,
      twoStepVerification: {
        authenticatorApp: personal.totp?.confirmedAt ? { enabledAt: personal.totp.confirmedAt } : null,
        securityKeys: personal.keys,
        unusedRecoveryCodes: personal.recoveryCodesLeft,
      },
    },
    memberships: personal.member.map((m) => ({ campaign: names.get(m.orgId)?.name ?? "A campaign", role: m.role, joinedAt: m.joinedAt, accessDisabled: m.disabledAt !== null })),
    cookieConsent: personal.consent,
    signInHistory: personal.signIns,
    privacyReceipts: (await listReceipts(db, userId, 1000)).map((r) => ({ id: r.id, kind: r.kind, campaign: r.orgName, count: r.count, createdAt: r.createdAt })),
    deletionRequests: (await listOwnDeletionRequests(db, userId)).map((r) => ({
      campaign: r.orgName,
      status: r.status,
      createdAt: r.createdAt,
      dueAt: r.dueAt,
      decidedAt: r.decidedAt,
      contactsDeleted: r.contactsDeleted,
      declineReason: r.declineReason,
    })),
    syncedContacts,
  };
}

export type AccountExport = Awaited<ReturnType<typeof buildAccountExport>>;

/** Builds the export and records it: `data.exported` (an account event) and a receipt for the person. */
export async function exportAccountData(db: Database, userId: string, options: { requestId?: string | null; now?: Date } = {}): Promise<AccountExport> {
  const data = await buildAccountExport(db, userId, options.now);
  const rows = data.syncedContacts.reduce((n, c) => n + c.contacts.length, 0);
  await recordAuditEvent(db, { orgId: null, actor: { kind: "member", id: userId }, action: "data.exported", metadata: { scope: "account", format: "json", rows }, requestId: options.requestId });
  await writeReceipts(db, userId, [{ kind: "data_exported", count: rows }]);
  return data;
}
