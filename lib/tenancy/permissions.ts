import type { Role } from "@/db/schema";

/** Who may do what in a campaign. Nothing else decides access: the guard reads this table. */
export const permissionList = [
  "org:view",
  "activity:read",
  "activity:read_own",
  "members:read",
  "members:invite",
  "members:manage",
  "members:manage_owners",
  "org:settings",
  "org:support_access",
  "contacts:read",
  "contacts:read_assigned",
  "contacts:write",
  "contacts:export",
  "contacts:sync",
  "actions:read",
  "actions:read_assigned",
  "actions:write",
  "actions:restore",
  "imports:manage",
  "integrations:manage",
  "reports:file",
  "reports:read",
  "deletion_requests:manage",
  "incidents:acknowledge",
] as const;
export type Permission = (typeof permissionList)[number];

/** Staff under a support grant read what an admin reads, and change nothing. */
export type AccessRole = Role | "support";

const adminPermissions: readonly Permission[] = [
  "org:view",
  "activity:read",
  "activity:read_own",
  "members:read",
  "members:invite",
  "members:manage",
  "contacts:read",
  "contacts:write",
  "contacts:export",
  "contacts:sync",
  "actions:read",
  "actions:write",
  "actions:restore",
  "imports:manage",
  "integrations:manage",
  "reports:file",
  "reports:read",
  "deletion_requests:manage",
];

export const rolePermissions: Record<AccessRole, readonly Permission[]> = {
  // Owners can do all an admin can, plus manage owners, the security policy and support access.
  owner: [...adminPermissions, "members:manage_owners", "org:settings", "org:support_access", "incidents:acknowledge"],
  admin: adminPermissions,
  volunteer: ["org:view", "activity:read_own", "contacts:read_assigned", "contacts:sync", "actions:read_assigned", "reports:file"],
  support: ["org:view", "activity:read", "members:read", "contacts:read", "actions:read", "reports:read"],
};

export function can(role: AccessRole, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/** Roles an actor may hand out: only owners make owners. */
export function assignableRoles(role: AccessRole): Role[] {
  if (can(role, "members:manage_owners")) return ["owner", "admin", "volunteer"];
  if (can(role, "members:manage")) return ["admin", "volunteer"];
  return [];
}

/** What an API token may be given; each scope opens the permissions beside it, and no more than the member's role has. */
export const apiScopes = ["contacts:read", "contacts:write", "actions:read", "actions:write", "reports:read", "reports:write", "activity:read", "imports:read"] as const;
export type ApiScope = (typeof apiScopes)[number];

export const scopePermissions: Record<ApiScope, readonly Permission[]> = {
  "contacts:read": ["contacts:read", "contacts:read_assigned"],
  "contacts:write": ["contacts:write", "deletion_requests:manage"],
  "actions:read": ["actions:read", "actions:read_assigned"],
  "actions:write": ["actions:write", "actions:restore"],
  "reports:read": ["reports:read", "reports:file"],
  "reports:write": ["reports:file"],
  "activity:read": ["activity:read", "activity:read_own"],
  "imports:read": ["imports:manage"],
};

/** The scopes a role may hold: those that open at least one permission the role has. */
export function scopesForRole(role: AccessRole): ApiScope[] {
  return apiScopes.filter((scope) => scopePermissions[scope].some((p) => can(role, p)));
}
