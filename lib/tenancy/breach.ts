import "server-only";
import { eq } from "drizzle-orm";
import { organizations, users } from "@/db/schema";
import { recordAuditEvent, type AuditActor } from "@/lib/audit";
import { normalizeAccountEmail } from "@/lib/auth/email";
import { revokeSessions } from "@/lib/auth/sessions";
import type { Database } from "@/lib/db";
import { enterTenant, withSystem } from "@/lib/db/tenant";
import { RuleError } from "@/lib/errors";

/**
 * Breach switches for platform staff and the command line. Disabling a person ends all their sessions
 * (the guard and RLS also refuse them from the next request); suspending a campaign closes it to every
 * member at their next request, API included. Both reversible, both recorded.
 */
export async function setUserDisabled(db: Database, actor: AuditActor, email: string, disabled: boolean): Promise<void> {
  await withSystem(db, async (tx) => {
    const [user] = await tx.select({ id: users.id, isStaff: users.isStaff }).from(users).where(eq(users.email, normalizeAccountEmail(email)));
    if (!user) throw new RuleError("No account uses that email address.");
    if ("id" in actor && actor.id === user.id) throw new RuleError("You cannot disable yourself.");
    await tx.update(users).set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() }).where(eq(users.id, user.id));
    if (disabled) await revokeSessions(tx, { userId: user.id }, "user_disabled");
    const target = { type: "user" as const, id: user.id };
    if (disabled) await recordAuditEvent(tx, { orgId: null, actor, action: "user.disabled", target, metadata: { reason: "security_incident" } });
    else await recordAuditEvent(tx, { orgId: null, actor, action: "user.enabled", target });
  });
}

export async function setOrganizationSuspended(db: Database, actor: AuditActor, slug: string, suspended: boolean): Promise<void> {
  await withSystem(db, async (tx) => {
    const [org] = await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, slug));
    if (!org) throw new RuleError("No campaign has that address.");
    await tx.update(organizations).set({ suspendedAt: suspended ? new Date() : null }).where(eq(organizations.id, org.id));
    await enterTenant(tx, { orgId: org.id });
    if (suspended) await recordAuditEvent(tx, { orgId: org.id, actor, action: "org.suspended", metadata: { reason: "security_incident" } });
    else await recordAuditEvent(tx, { orgId: org.id, actor, action: "org.unsuspended" });
  });
}
