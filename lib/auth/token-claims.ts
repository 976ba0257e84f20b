import "server-only";
import { eq } from "drizzle-orm";
import { memberships, organizations, users } from "@/db/schema";
import type { Database } from "@/lib/db";
import { withPerson } from "@/lib/db/tenant";
import type { SessionClaims } from "./session-token";

/** The claims for a person's session cookie, read fresh: their active campaigns (slug → role) and the staff flag. */
export async function loadSessionClaims(db: Database, userId: string, sessionId: string): Promise<SessionClaims> {
  return withPerson(db, userId, async (tx) => {
    const rows = await tx
      .select({ slug: organizations.slug, role: memberships.role, disabledAt: memberships.disabledAt })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(eq(memberships.userId, userId));
    const [user] = await tx.select({ isStaff: users.isStaff }).from(users).where(eq(users.id, userId));
    const orgs = Object.fromEntries(rows.filter((r) => !r.disabledAt).map((r) => [r.slug, r.role]));
    return { sub: userId, sid: sessionId, orgs, staff: user?.isStaff ?? false };
  });
}
