import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { memberships, organizations, policyOwnerMailings, policyReadReceipts, users } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Database } from "@/lib/db";
import { withPerson, withSystem } from "@/lib/db/tenant";
import type { Mailer } from "@/lib/mail";
import { currentPolicyVersions, policyTitles, versionConcerns, type PolicyVersion } from "./registry";

/**
 * What a person has not read yet: the version in force of each policy published after their account was created
 * (they saw the earlier ones when they joined) and without their read receipt. Empty means no notice.
 */
export async function unreadPolicyVersions(db: Database, userId: string): Promise<PolicyVersion[]> {
  return withPerson(db, userId, async (tx) => {
    const [user] = await tx.select({ createdAt: users.createdAt }).from(users).where(eq(users.id, userId));
    if (!user) return [];
    const read = await tx.select({ document: policyReadReceipts.document, version: policyReadReceipts.version }).from(policyReadReceipts).where(eq(policyReadReceipts.userId, userId));
    return currentPolicyVersions().filter((v) => versionConcerns(v, user.createdAt) && !read.some((r) => r.document === v.document && r.version === v.version));
  });
}

/** "Mark as read": a receipt for every version the notice showed, each recorded once in the person's own log. */
export async function markPoliciesRead(db: Database, userId: string): Promise<number> {
  const unread = await unreadPolicyVersions(db, userId);
  if (!unread.length) return 0;
  return withPerson(db, userId, async (tx) => {
    let marked = 0;
    for (const v of unread) {
      const inserted = await tx
        .insert(policyReadReceipts)
        .values({ userId, document: v.document, version: v.version })
        .onConflictDoNothing()
        .returning({ userId: policyReadReceipts.userId });
      if (!inserted.length) continue;
      marked += 1;
      await recordAuditEvent(tx, { orgId: null, actor: { kind: "member", id: userId }, action: "policy.read", target: { type: "user", id: userId }, metadata: { document: v.document, version: v.version } });
    }
    return marked;
  });
}

export type PolicyMailDeps = { mailer: Mailer; appUrl: string };

/**
 * The owners' mail about a new policy version: once per owner and version. Each mail is claimed by inserting its
 * row in the same transaction that sends it, so a failed send is retried at the next run, a concurrent run waits on
 * the row and then skips it, and nobody gets two. Owners whose account is newer than the version are not mailed.
 */
export async function mailOwnersAboutPolicyChanges(db: Database, deps: PolicyMailDeps): Promise<{ sent: number; failed: number }> {
  const owners = await withSystem(db, (tx) =>
    tx
      .selectDistinct({ id: users.id, email: users.email, createdAt: users.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(and(eq(memberships.role, "owner"), isNull(memberships.disabledAt), isNull(users.disabledAt), isNull(organizations.suspendedAt))),
  );
  const result = { sent: 0, failed: 0 };
  for (const version of currentPolicyVersions()) {
    for (const owner of owners.filter((o) => versionConcerns(version, o.createdAt))) {
      try {
        const sent = await withSystem(db, async (tx) => {
          const claimed = await tx
            .insert(policyOwnerMailings)
            .values({ userId: owner.id, document: version.document, version: version.version })
            .onConflictDoNothing()
            .returning({ userId: policyOwnerMailings.userId });
          if (!claimed.length) return false;
          await recordAuditEvent(tx, {
            orgId: null,
            actor: { kind: "system" },
            action: "policy.owner_notified",
            target: { type: "user", id: owner.id },
            metadata: { document: version.document, version: version.version },
          });
          await deps.mailer.send(policyMail(owner.email, version, deps.appUrl));
          return true;
        });
        if (sent) result.sent += 1;
      } catch {
        result.failed += 1;
      }
    }
  }
  return result;
}

function policyMail(to: string, version: PolicyVersion, appUrl: string) {
  const title = policyTitles[version.document];
  return {
    to,
    subject: `Rampart's ${title.toLowerCase()} has changed (version ${version.version})`,
    text: [
      `We have published a new version of our ${title.toLowerCase()}, dated ${version.version}.`,
      "",
      `What changed: ${version.summary}`,
      "",
      `Read it here: ${new URL(`/policies/${version.document}`, appUrl).toString()}`,
      `Every policy change is listed on ${new URL("/security", appUrl).toString()}.`,
      "You get this mail because you own a campaign on Rampart.",
    ].join("\n"),
  };
}
