import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import { RuleError } from "@/lib/errors";
import { isUuid } from "@/lib/validation/ids";
import { contactScope, type ContactViewer } from "./visibility";

/** Who a contact can be given to: the campaign's active members. */

/** Active members a contact can be assigned to, by name (managers' select). */
export async function assignableMembers(tx: Transaction, viewer: ContactViewer): Promise<{ id: string; name: string; role: string }[]> {
  if (contactScope(viewer) !== "full") return [];
  return tx
    .select({ id: memberships.userId, name: users.name, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, viewer.orgId), isNull(memberships.disabledAt)))
    .orderBy(users.name);
}

/** Refuses an assignee who is not an active member of this campaign. */
export async function requireAssignableMember(tx: Transaction, orgId: string, userId: string): Promise<void> {
  const [m] = isUuid(userId)
    ? await tx
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId), isNull(memberships.disabledAt)))
    : [];
  if (!m) throw new RuleError("That person is not a member of this campaign.");
}
