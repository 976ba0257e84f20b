import { memberships, organizations, users, type Role } from "@/db/schema";
import type { Database } from "@/lib/db/client";
import { withSystem } from "@/lib/db/tenant";

/**
 * Two campaigns and their people for workspace tests: A has an owner, an admin and two volunteers; B has its own
 * owner; `outsider` belongs to neither. Ids only: tests sign in nobody, they open tenant transactions as these people.
 */
export type WorkspaceFixture = {
  orgA: string;
  orgB: string;
  owner: string;
  admin: string;
  volunteer: string;
  volunteer2: string;
  ownerB: string;
  outsider: string;
};

export async function seedWorkspaceFixture(db: Database, prefix = "ws"): Promise<WorkspaceFixture> {
  return withSystem(db, async (tx) => {
    const person = async (key: string) => {
      const [row] = await tx
        .insert(users)
        .values({ email: `${key}@${prefix}.test`, name: key, emailVerifiedAt: new Date() })
        .returning({ id: users.id });
      return row!.id;
    };
    const org = async (slug: string, members: [string, Role][]) => {
      const [row] = await tx.insert(organizations).values({ slug: `${prefix}-${slug}`, name: slug }).returning({ id: organizations.id });
      await tx.insert(memberships).values(members.map(([userId, role]) => ({ orgId: row!.id, userId, role })));
      return row!.id;
    };
    const [owner, admin, volunteer, volunteer2, ownerB, outsider] = [
      await person("owner"),
      await person("admin"),
      await person("volunteer"),
      await person("volunteer2"),
      await person("ownerb"),
      await person("outsider"),
    ];
    const orgA = await org("a", [
      [owner, "owner"],
      [admin, "admin"],
      [volunteer, "volunteer"],
      [volunteer2, "volunteer"],
    ]);
    const orgB = await org("b", [[ownerB, "owner"]]);
    return { orgA, orgB, owner, admin, volunteer, volunteer2, ownerB, outsider };
  });
}
