/** Feed categories and their labels: a module of its own so client components can use them without the schemas. */
export const auditCategories = [
  "sign_in",
  "security",
  "members",
  "organization",
  "support",
  "keys",
  "exports",
  "contacts",
  "actions",
  "imports",
  "integrations",
  "deletion_requests",
  "privacy",
  "audit",
  "incidents",
] as const;
export type AuditCategory = (typeof auditCategories)[number];

export const auditCategoryLabels: Record<AuditCategory, string> = {
  sign_in: "Sign-ins",
  security: "Account security",
  members: "Members and invitations",
  organization: "Campaign settings",
  support: "Support access",
  keys: "Encryption keys",
  exports: "Exports",
  contacts: "Contacts",
  actions: "Actions",
  imports: "Imports",
  integrations: "Integrations",
  deletion_requests: "Deletion requests",
  privacy: "Privacy choices",
  audit: "Activity log",
  incidents: "Security incidents",
};
