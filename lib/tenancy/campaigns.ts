import "server-only";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { invitations, memberships, organizations, users, type Role } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { hashEmail } from "@/lib/auth/email";
import { newLinkToken, hashLinkToken } from "@/lib/auth/tokens";
import type { Database, Transaction } from "@/lib/db";
import { resultRows } from "@/lib/db/client";
import { withPerson } from "@/lib/db/tenant";
import type { Mailer } from "@/lib/mail";
import type { OrgAccess } from "./access";
import { assignableRoles, can } from "./permissions";
import { orgSettingsSchema, type OrgSettings } from "./settings";
import { RuleError } from "@/lib/errors";

export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
}

/** Creates a campaign with the caller as its first owner (checked by the database function), recorded in its feed. */
export async function createCampaign(db: Database, userId: string, input: { name: string; slug: string }): Promise<{ id: string; slug: string }> {
  const id = crypto.randomUUID();
  try {
    await withPerson(db, userId, async (tx) => {
      await tx.execute(sql`select create_organization_with_owner(${id}::uuid, ${input.slug}, ${input.name}, ${userId}::uuid)`);
      await tx.execute(sql`select set_config('app.org_id', ${id}, true)`);
      await recordAuditEvent(tx, { orgId: id, actor: { kind: "member", id: userId }, action: "org.created", metadata: {} });
    });
  } catch (err) {
    if (/organizations_slug_unique|duplicate key/i.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message)))
      throw new RuleError("That address is taken; choose another.", { fieldErrors: { slug: "That address is taken; choose another." }, status: 409 });
    throw err;
  }
  return { id, slug: input.slug };
}

export type MemberRow = { userId: string; name: string; role: Role; disabled: boolean; joinedAt: Date };

export async function listMembers(tx: Transaction, orgId: string): Promise<MemberRow[]> {
  const rows = await tx
    .select({ userId: memberships.userId, name: users.name, role: memberships.role, disabledAt: memberships.disabledAt, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.name));
  return rows.map(({ disabledAt, ...r }) => ({ ...r, disabled: Boolean(disabledAt) }));
}

/** Locks the campaign's owner rows and fails if `change` would leave it without an active owner. */
async function keepAnOwner(tx: Transaction, orgId: string, targetUserId: string, losesOwnership: boolean): Promise<void> {
  if (!losesOwnership) return;
  const owners = resultRows<{ user_id: string }>(
    await tx.execute(sql`select user_id from memberships where org_id = ${orgId} and role = 'owner' and disabled_at is null for update`),
  );
  if (owners.filter((o) => o.user_id !== targetUserId).length === 0)
    throw new RuleError("A campaign always needs an owner: make someone else an owner first.");
}

async function memberOf(tx: Transaction, orgId: string, userId: string) {
  const [m] = await tx.select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).for("update");
  if (!m) throw new RuleError("That person is not a member of this campaign.");
  return m;
}

function canTouch(access: OrgAccess, targetRole: Role): boolean {
  return targetRole !== "owner" || can(access.role, "members:manage_owners");
}

export async function changeRole(tx: Transaction, access: OrgAccess, targetUserId: string, to: Role): Promise<void> {
  const member = await memberOf(tx, access.org.id, targetUserId);
  if (!canTouch(access, member.role) || !assignableRoles(access.role).includes(to)) throw new RuleError("You cannot give or change that role.");
  if (member.role === to) return;
  await keepAnOwner(tx, access.org.id, targetUserId, member.role === "owner");
  await tx.update(memberships).set({ role: to }).where(and(eq(memberships.orgId, access.org.id), eq(memberships.userId, targetUserId)));
  await recordAuditEvent(tx, {
    orgId: access.org.id,
    actor: { kind: "member", id: access.userId },
    action: "member.role_changed",
    target: { type: "user", id: targetUserId },
    metadata: { from: member.role, to },
  });
}

export async function removeMember(tx: Transaction, access: OrgAccess, targetUserId: string): Promise<void> {
  const member = await memberOf(tx, access.org.id, targetUserId);
  if (!canTouch(access, member.role)) throw new RuleError("Only an owner can remove an owner.");
  await keepAnOwner(tx, access.org.id, targetUserId, member.role === "owner");
  await tx.delete(memberships).where(and(eq(memberships.orgId, access.org.id), eq(memberships.userId, targetUserId)));
  const event = { orgId: access.org.id, actor: { kind: "member" as const, id: access.userId }, target: { type: "user" as const, id: targetUserId } };
  if (targetUserId === access.userId) await recordAuditEvent(tx, { ...event, action: "member.left" });
  else await recordAuditEvent(tx, { ...event, action: "member.removed", metadata: { role: member.role } });
}

/** An owner's breach switch for one member of this campaign: they lose access at their next request; reversible. */
export async function setMemberDisabled(tx: Transaction, access: OrgAccess, targetUserId: string, disabled: boolean): Promise<void> {
  const member = await memberOf(tx, access.org.id, targetUserId);
  if (targetUserId === access.userId) throw new RuleError("You cannot disable yourself.");
  if (!canTouch(access, member.role)) throw new RuleError("Only an owner can disable an owner.");
  if (disabled) await keepAnOwner(tx, access.org.id, targetUserId, member.role === "owner");
  await tx
    .update(memberships)
    .set({ disabledAt: disabled ? new Date() : null })
    .where(and(eq(memberships.orgId, access.org.id), eq(memberships.userId, targetUserId)));
  await recordAuditEvent(tx, {
    orgId: access.org.id,
    actor: { kind: "member", id: access.userId },
    action: disabled ? "member.disabled" : "member.enabled",
    target: { type: "user", id: targetUserId },
    metadata: { role: member.role },
  });
}

function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}

/** Invites by link: single-use, expiring, stored hashed, bound to the invited address; mailed and shown once. */
export async function inviteMember(
  tx: Transaction,
  access: OrgAccess,
  input: { email: string; role: Role },
  deps: { mailer: Mailer; appUrl: string },
): Promise<{ link: string }> {
  if (!assignableRoles(access.role).includes(input.role)) throw new RuleError("You cannot invite someone with that role.");
  const { token, hash } = newLinkToken();
  await tx.insert(invitations).values({
    orgId: access.org.id,
    emailHash: hashEmail(input.email),
    emailHint: maskEmail(input.email),
    role: input.role,
    tokenHash: hash,
    invitedBy: access.userId,
    expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS),
  });
  const link = `${deps.appUrl}/invite/${token}`;
  await recordAuditEvent(tx, { orgId: access.org.id, actor: { kind: "member", id: access.userId }, action: "member.invited", metadata: { role: input.role } });
  await deps.mailer.send({
    to: input.email,
    subject: `You are invited to ${access.org.name} on Rampart`,
    text: `You have been invited to join ${access.org.name} as ${input.role === "admin" ? "an admin" : `a ${input.role}`}.\n\nAccept or decline here (sign in or create an account with this email address first):\n\n${link}\n\nThe link works once and expires in 7 days.`,
  });
  return { link };
}

export async function listOpenInvitations(tx: Transaction, orgId: string) {
  return tx
    .select({ id: invitations.id, emailHint: invitations.emailHint, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(eq(invitations.orgId, orgId), isNull(invitations.acceptedAt), isNull(invitations.declinedAt), isNull(invitations.revokedAt), sql`${invitations.expiresAt} > now()`))
    .orderBy(asc(invitations.createdAt));
}

export async function revokeInvitation(tx: Transaction, access: OrgAccess, invitationId: string): Promise<void> {
  const done = await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(eq(invitations.id, invitationId), eq(invitations.orgId, access.org.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .returning({ id: invitations.id });
  if (done.length === 0) throw new RuleError("That invitation is no longer open.");
  await recordAuditEvent(tx, { orgId: access.org.id, actor: { kind: "member", id: access.userId }, action: "member.invitation.revoked", metadata: {} });
}

export async function previewInvitation(db: Database, userId: string, token: string) {
  return withPerson(db, userId, async (tx) => {
    const [row] = resultRows<{ org_name: string; role: Role; valid: boolean }>(await tx.execute(sql`select * from invitation_preview(${hashLinkToken(token)})`));
    return row ?? null;
  });
}

/** Accepts as the signed-in person; the database checks the link and that it was addressed to their email. */
export async function acceptInvitation(db: Database, user: { id: string; email: string }, token: string): Promise<{ orgId: string; slug: string; role: Role }> {
  return withPerson(db, user.id, async (tx) => {
    let row: { org_id: string; role: Role } | undefined;
    try {
      [row] = resultRows<{ org_id: string; role: Role }>(await tx.execute(sql`select * from accept_invitation(${hashLinkToken(token)}, ${hashEmail(user.email)})`));
    } catch (err) {
      const text = `${(err as Error).message} ${String((err as { cause?: Error }).cause?.message)}`;
      if (/someone else/.test(text)) throw new RuleError("This invitation was sent to a different email address. Sign in with that address to accept it.");
      throw new RuleError("This invitation has expired, was already used, or was withdrawn.");
    }
    if (!row) throw new RuleError("This invitation has expired, was already used, or was withdrawn.");
    await tx.execute(sql`select set_config('app.org_id', ${row.org_id}, true)`);
    await recordAuditEvent(tx, { orgId: row.org_id, actor: { kind: "member", id: user.id }, action: "member.invitation.accepted", metadata: { role: row.role } });
    const [org] = await tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, row.org_id));
    return { orgId: row.org_id, slug: org!.slug, role: row.role };
  });
}

export async function declineInvitation(db: Database, user: { id: string; email: string }, token: string): Promise<boolean> {
  return withPerson(db, user.id, async (tx) => {
    const [row] = resultRows<{ decline_invitation: boolean }>(await tx.execute(sql`select decline_invitation(${hashLinkToken(token)}, ${hashEmail(user.email)})`));
    return row?.decline_invitation === true;
  });
}

export async function updateSettings(tx: Transaction, access: OrgAccess, changes: Partial<OrgSettings>): Promise<string[]> {
  const next = orgSettingsSchema.parse({ ...access.org.settings, ...changes });
  const keys = (Object.keys(changes) as (keyof OrgSettings)[]).filter((k) => changes[k] !== access.org.settings[k]);
  if (keys.length === 0) return [];
  await tx.update(organizations).set({ settings: next }).where(eq(organizations.id, access.org.id));
  await recordAuditEvent(tx, { orgId: access.org.id, actor: { kind: "member", id: access.userId }, action: "org.settings_changed", metadata: { keys } });
  return keys;
}

/** Leaving is removing yourself; the last active owner cannot leave. */
export function leaveCampaign(tx: Transaction, access: OrgAccess): Promise<void> {
  if (access.role === "support") throw new RuleError("Support access is not a membership.");
  return removeMember(tx, access, access.userId);
}
