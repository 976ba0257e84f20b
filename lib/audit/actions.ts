import { z } from "zod";
import { breachSwitches, incidentSeverities, incidentStatuses, integrationSystemIds, reportOutcomes, roles } from "@/db/schema";
import { policyDocuments } from "@/lib/policies/registry";
import { apiScopes } from "@/lib/tenancy/permissions";
import type { AuditCategory } from "./categories";

/**
 * The closed list of audited actions, each with its feed category and the schema of its metadata.
 * Metadata is small and structural (enums, counts, column names): never names, emails, addresses or free text.
 */

const none = z.object({}).strict();
const role = z.enum(roles);
const count = z.number().int().min(0).max(1_000_000_000);
/** Names of columns or settings that changed, never their values. */
const fieldNames = z.array(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/)).max(40);
const shortId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);
/** A support ticket reference such as "RS-1042": letters, digits and dashes, nothing personal. */
const ticketRef = z.string().regex(/^[A-Za-z0-9-]{1,32}$/);
const secondFactor = z.enum(["totp", "webauthn", "recovery_code"]);
const revocationReason = z.enum(["user", "password_changed", "password_reset", "user_disabled", "org_suspended", "idle", "expired", "admin", "staff"]);
const apiScope = z.enum(apiScopes);
const apiTokenRevocation = z.enum(["user", "password_changed", "user_disabled", "membership_ended"]);
const apiTokenRefusal = z.enum(["expired", "revoked", "password_changed", "user_disabled", "membership_ended", "org_suspended", "scope", "permission"]);
const breachReason = z.enum(["security_incident", "abuse", "request", "billing", "other"]);
const incidentStatus = z.enum(incidentStatuses);
/** A policy version is its publication date (lib/policies/registry.ts). */
const integrationSystem = z.enum(integrationSystemIds);
const policyVersion = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export { auditCategories, auditCategoryLabels, type AuditCategory } from "./categories";

type Definition = { category: AuditCategory; metadata: z.ZodType<Record<string, unknown>> };
const def = <S extends z.ZodType<Record<string, unknown>>>(category: AuditCategory, metadata: S) => ({ category, metadata });

export const auditActionDefinitions = {
  "auth.sign_in.succeeded": def("sign_in", z.object({ method: z.enum(["password", "webauthn"]).optional(), secondFactor: secondFactor.optional() }).strict()),
  "auth.sign_in.failed": def(
    "sign_in",
    z
      .object({
        reason: z.enum([
          "invalid_credentials",
          "unknown_account",
          "second_factor_failed",
          "second_factor_required",
          "rate_limited",
          "account_disabled",
          "email_unverified",
          "other",
        ]),
        secondFactor: secondFactor.optional(),
      })
      .strict(),
  ),
  "auth.sign_out": def("sign_in", none),
  "session.revoked": def("sign_in", z.object({ reason: revocationReason.optional() }).strict()),
  "session.revoked_all": def("sign_in", z.object({ reason: revocationReason.optional(), count: count.optional() }).strict()),
  "auth.password.changed": def("security", none),
  "auth.password.reset_requested": def("security", none),
  "auth.password.reset": def("security", none),
  "auth.two_factor.enabled": def("security", z.object({ method: z.enum(["totp", "webauthn"]).optional() }).strict()),
  "auth.two_factor.disabled": def("security", z.object({ method: z.enum(["totp", "webauthn"]).optional() }).strict()),
  /** A second factor refused (or over its limit) when confirming a change from an open session. */
  "auth.step_up.failed": def(
    "security",
    z
      .object({
        purpose: z.enum(["disable_totp", "remove_security_key"]),
        reason: z.enum(["second_factor_failed", "rate_limited"]),
        secondFactor: secondFactor.optional(),
      })
      .strict(),
  ),
  "auth.recovery_code.used": def("security", z.object({ remaining: count.optional() }).strict()),
  "auth.recovery_codes.regenerated": def("security", none),
  "auth.webauthn.added": def("security", none),
  "auth.webauthn.removed": def("security", none),
  "account.created": def("security", none),
  "account.email_verified": def("security", none),
  "account.deleted": def("security", none),
  "account.profile_updated": def("security", z.object({ fields: fieldNames.optional() }).strict()),
  "member.invited": def("members", z.object({ role }).strict()),
  "member.invitation.accepted": def("members", z.object({ role: role.optional() }).strict()),
  "member.invitation.declined": def("members", none),
  "member.invitation.revoked": def("members", none),
  "member.role_changed": def("members", z.object({ from: role, to: role }).strict()),
  "member.removed": def("members", z.object({ role: role.optional() }).strict()),
  "member.left": def("members", none),
  "member.disabled": def("members", z.object({ role }).strict()),
  "member.enabled": def("members", z.object({ role }).strict()),
  "org.created": def("organization", none),
  "org.settings_changed": def("organization", z.object({ keys: fieldNames }).strict()),
  "org.suspended": def("organization", z.object({ reason: breachReason.optional() }).strict()),
  "org.unsuspended": def("organization", none),
  "org.deleted": def("organization", none),
  "user.disabled": def("security", z.object({ reason: breachReason.optional() }).strict()),
  "user.enabled": def("security", none),
  "support_access.requested": def("support", z.object({ durationMinutes: z.number().int().min(1).max(10_080), ticket: ticketRef.optional() }).strict()),
  "support_access.granted": def(
    "support",
    z.object({ durationMinutes: z.number().int().min(1).max(10_080).optional(), expiresAt: z.iso.datetime().optional(), ticket: ticketRef.optional() }).strict(),
  ),
  "support_access.revoked": def("support", none),
  "support_access.refused": def("support", z.object({ reason: z.enum(["org_setting", "expired", "not_granted"]) }).strict()),
  /** Every staff read under a grant: what kind of record and how many, never the records. */
  "support_access.used": def("support", z.object({ resource: z.string().regex(/^[a-z][a-z_]{0,39}$/), count: count.optional() }).strict()),
  "key.master_rotated": def("keys", z.object({ fromKeyId: shortId.optional(), toKeyId: shortId, wrapped: count.optional() }).strict()),
  "key.data_rotated": def("keys", z.object({ phase: z.enum(["started", "completed"]), version: z.number().int().min(1).optional(), rows: count.optional() }).strict()),
  "key.data_destroyed": def("keys", none),
  /** A call of /api/cron/<job> without the right bearer secret: which job (or "unknown") and why, nothing of the caller but the address hash. */
  "cron.refused": def("security", z.object({ job: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), reason: z.enum(["missing_secret", "wrong_secret"]) }).strict()),
  "data.exported": def(
    "exports",
    z.object({ scope: z.enum(["account", "contacts", "actions", "organization", "activity"]), rows: count.optional(), format: z.enum(["csv", "json", "jsonl", "xlsx", "zip"]).optional() }).strict(),
  ),
  "contact.created": def("contacts", z.object({ source: z.enum(["manual", "import", "sync", "api"]).optional() }).strict()),
  "contact.updated": def("contacts", z.object({ fields: fieldNames.optional() }).strict()),
  "contact.deleted": def("contacts", none),
  "contact.restored": def("contacts", none),
  "contact.assigned": def("contacts", z.object({ unassigned: z.boolean().optional() }).strict()),
  "contact.tags_changed": def("contacts", z.object({ added: count.optional(), removed: count.optional() }).strict()),
  /** A member added contacts from their own address book (form or CSV): how many, never which. */
  "contacts.synced": def("contacts", z.object({ count, format: z.enum(["form", "csv"]) }).strict()),
  /** A member deleted the contacts they synced, from /settings/privacy: rows, blind indexes and tokens. */
  "contacts.synced_deleted": def("privacy", z.object({ count }).strict()),
  "contact_list.created": def("contacts", none),
  "contact_list.deleted": def("contacts", none),
  "contact_list.changed": def("contacts", z.object({ added: count.optional(), removed: count.optional() }).strict()),
  "report.filed": def("contacts", z.object({ outcome: z.enum(reportOutcomes).optional(), draft: z.boolean().optional() }).strict()),
  "report.completed": def("contacts", none),
  "action.created": def("actions", none),
  "action.updated": def("actions", z.object({ fields: fieldNames.optional() }).strict()),
  "action.deleted": def("actions", none),
  "action.restored": def("actions", none),
  "action.purged": def("actions", none),
  "import.started": def("imports", z.object({ format: z.enum(["csv", "xlsx"]).optional(), rows: count.optional() }).strict()),
  "import.completed": def(
    "imports",
    z.object({ inserted: count, updated: count.optional(), skipped: count.optional(), failed: count.optional(), format: z.enum(["csv", "xlsx"]).optional(), cancelled: z.boolean().optional() }).strict(),
  ),
  "import.failed": def("imports", z.object({ reason: z.enum(["invalid_file", "too_large", "validation", "internal"]).optional() }).strict()),
  "import.rolled_back": def("imports", z.object({ rows: count.optional(), kept: count.optional() }).strict()),
  /** An admin downloaded an import's result file (errors and summary). */
  "import.result_downloaded": def("imports", none),
  /** Integrations name the system and count outcomes; keys, codes sent and people's ids never enter the log. */
  "integration.connected": def("integrations", z.object({ system: integrationSystem }).strict()),
  "integration.verify_failed": def("integrations", z.object({ system: integrationSystem, reason: z.enum(["bad_credentials", "rate_limited", "not_found", "remote_down", "refused"]) }).strict()),
  "integration.mapping_changed": def("integrations", z.object({ system: integrationSystem, mapped: count }).strict()),
  "integration.codes_refreshed": def("integrations", z.object({ system: integrationSystem }).strict()),
  "integration.synced": def("integrations", z.object({ system: integrationSystem, sent: count, skipped: count, failed: count, retrying: count }).strict()),
  "integration.disconnected": def("integrations", z.object({ system: integrationSystem, cancelled: count }).strict()),
  "deletion_request.created": def("deletion_requests", none),
  "deletion_request.completed": def("deletion_requests", z.object({ contactsDeleted: count.optional() }).strict()),
  "deletion_request.declined": def("deletion_requests", z.object({ reason: z.enum(["not_found", "legal_obligation", "duplicate", "other"]).optional() }).strict()),
  "consent.recorded": def("privacy", z.object({ choice: z.enum(["accept_all", "reject_all", "custom"]), policyVersion: shortId.optional() }).strict()),
  "api_token.created": def("security", z.object({ scopes: z.array(apiScope).max(apiScopes.length) }).strict()),
  "api_token.renewed": def("security", none),
  "api_token.revoked": def("security", z.object({ reason: apiTokenRevocation }).strict()),
  /** A request with a known token refused before it reached the campaign (expired, revoked, out of scope, ...). */
  "api_token.refused": def("security", z.object({ reason: apiTokenRefusal }).strict()),
  "audit.archived": def("audit", z.object({ firstSeq: count, lastSeq: count, events: count }).strict()),
  "audit.archive_downloaded": def("audit", none),
  /** Incident events carry the incident as their target and only enums and counts: the text stays in the incidents table. */
  "incident.created": def("incidents", z.object({ severity: z.enum(incidentSeverities) }).strict()),
  "incident.entry_added": def("incidents", z.object({ status: incidentStatus }).strict()),
  "incident.status_changed": def("incidents", z.object({ from: incidentStatus, to: incidentStatus }).strict()),
  "incident.switches_recorded": def("incidents", z.object({ switches: z.array(z.enum(breachSwitches)).max(breachSwitches.length) }).strict()),
  "incident.notified": def("incidents", z.object({ channel: z.enum(["app", "mail"]), recipients: count }).strict()),
  "incident.acknowledged": def("incidents", none),
  "policy.read": def("privacy", z.object({ document: z.enum(policyDocuments), version: policyVersion }).strict()),
  "policy.owner_notified": def("privacy", z.object({ document: z.enum(policyDocuments), version: policyVersion }).strict()),
  /** Platform backups (account chain, no campaign): sizes and counts only. */
  "backup.completed": def("security", z.object({ bytes: z.number().int().min(0), rows: count }).strict()),
  "backup.failed": def(
    "security",
    z.object({ stage: z.enum(["backup", "verify"]), reason: z.enum(["key", "target", "snapshot", "damaged", "verification", "other"]) }).strict(),
  ),
  "backup.verified": def("security", z.object({ rows: count, events: count, sealedValues: count, shreddedCampaigns: count }).strict()),
  "backup.restored": def("security", z.object({ rows: count, shreddedCampaigns: count }).strict()),
} satisfies Record<string, Definition>;

export type AuditAction = keyof typeof auditActionDefinitions;
export const auditActions = Object.keys(auditActionDefinitions) as AuditAction[];

/** What a caller passes as metadata for `A` (optional fields may be left out). */
export type AuditMetadataInput<A extends AuditAction> = z.input<(typeof auditActionDefinitions)[A]["metadata"]>;
/** Metadata of a stored event of action `A`, as parsed back. */
export type AuditMetadata<A extends AuditAction> = z.output<(typeof auditActionDefinitions)[A]["metadata"]>;

export const auditTargetTypes = [
  "user",
  "session",
  "invitation",
  "webauthn_credential",
  "organization",
  "contact",
  "action",
  "report",
  "import",
  "deletion_request",
  "consent",
  "api_token",
  "support_grant",
  "audit_archive",
  "key",
  "incident",
  "backup",
  "integration",
] as const;
export type AuditTargetType = (typeof auditTargetTypes)[number];

export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(auditActionDefinitions, value);
}

export function auditCategoryOf(action: AuditAction): AuditCategory {
  return auditActionDefinitions[action].category;
}

/** Every action of a category, for feed filters. */
export function auditActionsIn(category: AuditCategory): AuditAction[] {
  return auditActions.filter((a) => auditActionDefinitions[a].category === category);
}
