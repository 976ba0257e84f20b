import type { AuditEventRow } from "@/db/schema/audit";
import { policyTitles } from "@/lib/policies/registry";
import { auditActionDefinitions, isAuditAction, type AuditAction, type AuditMetadata } from "./actions";

/** The fields of an event a sentence is made from. */
export type DescribableEvent = Pick<AuditEventRow, "actorKind" | "actorId" | "action" | "targetType" | "targetId" | "metadata">;

/**
 * Names people at display time. Return a name only for people the viewer may see; anything else (unknown, former
 * member, hidden from this viewer) returns undefined and the sentence says "a member".
 */
export type NameResolver = (userId: string) => string | null | undefined;

export type DescribeOptions = { viewerId?: string | null };

type Ctx<A extends AuditAction> = {
  /** The actor as a sentence subject ("Alex", "you", "Rampart support"). */
  actor: string;
  /** "your" when the viewer acted, "their" otherwise. */
  their: string;
  /** The targeted person ("Sam", "you", "a member"); only meaningful when the target is a user. */
  target: string;
  /** Possessive of the target ("Sam's", "your", "a member's"). */
  targets: string;
  targetIsViewer: boolean;
  m: AuditMetadata<A>;
};

const roleName = (r: string | undefined) => (r === "owner" ? "an owner" : r === "admin" ? "an admin" : r === "volunteer" ? "a volunteer" : "a member");
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
const systemNames: Record<string, string> = { van: "NGP VAN", pdi: "PDI", salsa: "Salsa Engage" };
const systemName = (system: string) => systemNames[system] ?? "an integration";
const factorName = { totp: "an authenticator app", webauthn: "a security key", recovery_code: "a recovery code" } as const;
const failure: Record<string, string> = {
  invalid_credentials: "wrong password",
  unknown_account: "no such account",
  second_factor_failed: "wrong two-factor code",
  second_factor_required: "two-factor step not completed",
  rate_limited: "too many attempts",
  account_disabled: "account disabled",
  email_unverified: "email address not verified",
  other: "refused",
};
const stepUpPurpose: Record<string, string> = { disable_totp: "turning off two-factor sign-in", remove_security_key: "removing a security key" };
const revocation: Record<string, string> = {
  user: "",
  password_changed: " after a password change",
  password_reset: " after a password reset",
  user_disabled: " because the account was disabled",
  org_suspended: " because the campaign was suspended",
  idle: " after inactivity",
  expired: " when it expired",
  admin: " by an administrator",
  staff: " by Rampart support",
};
const apiRevocation: Record<string, string> = {
  user: "",
  password_changed: " after a password change",
  user_disabled: " because the account was disabled",
  membership_ended: " because the membership ended",
};
const apiRefusal: Record<string, string> = {
  expired: "token expired",
  revoked: "token revoked",
  password_changed: "password changed since it was issued",
  user_disabled: "account disabled",
  membership_ended: "no longer a member",
  org_suspended: "campaign suspended",
  scope: "outside the token's scopes",
  permission: "not allowed for the member's role",
};
const humanize = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`);

const sentences: { [A in AuditAction]: (c: Ctx<A>) => string } = {
  "auth.sign_in.succeeded": (c) =>
    `${c.actor} signed in${c.m.method === "webauthn" ? " with a security key" : ""}${c.m.secondFactor ? ` using ${factorName[c.m.secondFactor]}` : ""}`,
  "auth.sign_in.failed": (c) =>
    `${c.target === "a member" && !c.targetIsViewer ? "A sign-in" : `A sign-in to ${c.targets} account`} failed (${failure[c.m.reason] ?? "refused"})`,
  "auth.sign_out": (c) => `${c.actor} signed out`,
  "session.revoked": (c) => `${c.actor} ended a session${revocation[c.m.reason ?? "user"] ?? ""}`,
  "session.revoked_all": (c) => `${c.actor} signed out ${c.m.count !== undefined ? plural(c.m.count, "session") : "all sessions"}${revocation[c.m.reason ?? "user"] ?? ""}`,
  "auth.password.changed": (c) => `${c.actor} changed ${c.their} password`,
  "auth.password.reset_requested": (c) => `A password reset was requested for ${c.targetIsViewer ? "your" : c.targets} account`,
  "auth.password.reset": (c) => `${c.actor} reset ${c.their} password`,
  "auth.two_factor.enabled": (c) => `${c.actor} turned on two-factor sign-in${c.m.method ? ` with ${factorName[c.m.method]}` : ""}`,
  "auth.two_factor.disabled": (c) => `${c.actor} turned off two-factor sign-in${c.m.method ? ` with ${factorName[c.m.method]}` : ""}`,
  "auth.step_up.failed": (c) =>
    `${c.actor} could not confirm ${stepUpPurpose[c.m.purpose] ?? "a security change"} (${failure[c.m.reason] ?? "refused"})`,
  "auth.recovery_code.used": (c) => `${c.actor} used a recovery code${c.m.remaining !== undefined ? ` (${c.m.remaining} left)` : ""}`,
  "auth.recovery_codes.regenerated": (c) => `${c.actor} created new recovery codes`,
  "auth.webauthn.added": (c) => `${c.actor} added a security key`,
  "auth.webauthn.removed": (c) => `${c.actor} removed a security key`,
  "account.created": (c) => `${c.actor} created ${c.their} account`,
  "account.email_verified": (c) => `${c.actor} confirmed ${c.their} email address`,
  "account.deleted": (c) => `${c.actor} deleted ${c.their} account`,
  "account.profile_updated": (c) => `${c.actor} updated ${c.their} profile`,
  "member.invited": (c) => `${c.actor} invited someone to join as ${roleName(c.m.role)}`,
  "member.invitation.accepted": (c) => `${c.actor} joined the campaign${c.m.role ? ` as ${roleName(c.m.role)}` : ""}`,
  "member.invitation.declined": () => "An invitation was declined",
  "member.invitation.revoked": (c) => `${c.actor} withdrew an invitation`,
  "member.role_changed": (c) => `${c.actor} changed ${c.targets} role to ${c.m.to}`,
  "member.removed": (c) => `${c.actor} removed ${c.target} from the campaign`,
  "member.disabled": (c) => `${c.actor} disabled ${c.targets} access to the campaign`,
  "member.enabled": (c) => `${c.actor} restored ${c.targets} access to the campaign`,
  "member.left": (c) => `${c.actor} left the campaign`,
  "org.created": (c) => `${c.actor} created the campaign`,
  "org.settings_changed": (c) => `${c.actor} changed the campaign settings${c.m.keys.length ? ` (${list(c.m.keys.map(humanize))})` : ""}`,
  "org.suspended": (c) => `${c.actor} suspended the campaign`,
  "org.unsuspended": (c) => `${c.actor} lifted the campaign's suspension`,
  "org.deleted": (c) => `${c.actor} deleted the campaign`,
  "user.disabled": (c) => `${c.actor} disabled ${c.targets} account`,
  "user.enabled": (c) => `${c.actor} re-enabled ${c.targets} account`,
  "support_access.requested": (c) => `${c.actor} asked for support access for ${plural(Math.ceil(c.m.durationMinutes / 60), "hour")}`,
  "support_access.granted": (c) =>
    `${c.actor} granted Rampart support access${c.m.durationMinutes ? ` for ${plural(Math.ceil(c.m.durationMinutes / 60), "hour")}` : ""}`,
  "support_access.revoked": (c) => `${c.actor} ended Rampart support access`,
  "support_access.refused": () => "Rampart support access was refused",
  "support_access.used": (c) => `${c.actor} viewed ${c.m.count !== undefined ? plural(c.m.count, humanize(c.m.resource).replace(/s$/, "")) : humanize(c.m.resource)}`,
  "key.master_rotated": (c) => `${c.actor} rotated the master key`,
  "key.data_rotated": (c) => (c.m.phase === "started" ? `${c.actor} started rotating the campaign's data key` : "The campaign's data key was rotated"),
  "key.data_destroyed": (c) => `${c.actor} destroyed the campaign's data key`,
  "cron.refused": (c) => `A scheduled-job call was refused (${c.m.reason === "wrong_secret" ? "wrong secret" : "no secret"})`,
  "data.exported": (c) => {
    const what = { account: `${c.their} account data`, contacts: "contacts", actions: "actions", organization: "the campaign's data", activity: "activity" }[c.m.scope];
    return `${c.actor} exported ${what}${c.m.rows !== undefined ? ` (${plural(c.m.rows, "row")})` : ""}`;
  },
  "contact.created": (c) => `${c.actor} added a contact${c.m.source === "sync" ? ` from ${c.their} phone` : ""}`,
  "contact.updated": (c) => `${c.actor} updated a contact`,
  "contact.deleted": (c) => `${c.actor} deleted a contact`,
  "contact.restored": (c) => `${c.actor} restored a contact`,
  "contact.assigned": (c) => `${c.actor} ${c.m.unassigned ? "unassigned" : "assigned"} a contact`,
  "contact.tags_changed": (c) => `${c.actor} changed a contact's tags`,
  "contacts.synced": (c) => `${c.actor} synced ${plural(c.m.count, "contact")} from ${c.their} address book`,
  "contacts.synced_deleted": (c) => `${c.actor} deleted ${plural(c.m.count, "synced contact")}`,
  "contact_list.created": (c) => `${c.actor} created a contact list`,
  "contact_list.deleted": (c) => `${c.actor} deleted a contact list`,
  "contact_list.changed": (c) => `${c.actor} changed a contact list`,
  "report.filed": (c) => `${c.actor} ${c.m.draft ? "saved a draft report" : "filed a report"}`,
  "report.completed": (c) => `${c.actor} completed a report`,
  "action.created": (c) => `${c.actor} created an action`,
  "action.updated": (c) => `${c.actor} updated an action`,
  "action.deleted": (c) => `${c.actor} moved an action to the trash`,
  "action.restored": (c) => `${c.actor} restored an action from the trash`,
  "action.purged": (c) => `${c.actor} permanently deleted an action`,
  "import.started": (c) => `${c.actor} started an import${c.m.rows !== undefined ? ` of ${plural(c.m.rows, "row")}` : ""}`,
  "import.completed": (c) =>
    `${c.actor} imported ${plural(c.m.inserted, "contact")}${c.m.format ? ` from ${c.m.format === "csv" ? "a CSV" : "an Excel file"}` : ""}${c.m.cancelled ? " before cancelling" : ""}${c.m.updated ? `, ${c.m.updated.toLocaleString("en-US")} updated` : ""}${c.m.failed ? ` (${plural(c.m.failed, "row")} refused)` : ""}`,
  "import.failed": () => "An import failed",
  "import.rolled_back": (c) => `${c.actor} rolled back an import${c.m.kept ? ` (${plural(c.m.kept, "contact")} edited since left as they were)` : ""}`,
  "import.result_downloaded": (c) => `${c.actor} downloaded an import's result file`,
  "integration.connected": (c) => `${c.actor} connected ${systemName(c.m.system)}`,
  "integration.verify_failed": (c) => `${systemName(c.m.system)} refused a connection attempt by ${c.actor}`,
  "integration.mapping_changed": (c) => `${c.actor} changed what is sent to ${systemName(c.m.system)} (${plural(c.m.mapped, "answer")} mapped)`,
  "integration.codes_refreshed": (c) => `${c.actor} refreshed the codes of ${systemName(c.m.system)}`,
  "integration.synced": (c) =>
    `${plural(c.m.sent, "outcome")} sent to ${systemName(c.m.system)}${c.m.skipped ? `, ${c.m.skipped.toLocaleString("en-US")} with nothing to send` : ""}${c.m.failed ? `, ${c.m.failed.toLocaleString("en-US")} failed` : ""}${c.m.retrying ? `, ${c.m.retrying.toLocaleString("en-US")} to retry` : ""}`,
  "integration.disconnected": (c) => `${c.actor} disconnected ${systemName(c.m.system)}${c.m.cancelled ? ` (${plural(c.m.cancelled, "queued outcome")} cancelled)` : ""}`,
  "deletion_request.created": () => "A deletion request was received",
  "deletion_request.completed": (c) => `${c.actor} completed a deletion request${c.m.contactsDeleted !== undefined ? ` (${plural(c.m.contactsDeleted, "contact")} deleted)` : ""}`,
  "deletion_request.declined": (c) => `${c.actor} declined a deletion request`,
  "consent.recorded": (c) => `${c.actor} ${c.m.choice === "accept_all" ? "accepted all cookies" : c.m.choice === "reject_all" ? "rejected optional cookies" : "chose which cookies to allow"}`,
  "api_token.created": (c) => `${c.actor} created an API token`,
  "api_token.renewed": (c) => `${c.actor} renewed an API token`,
  "api_token.revoked": (c) => `${c.actor} revoked an API token${apiRevocation[c.m.reason] ?? ""}`,
  "api_token.refused": (c) => `A request with ${c.their} API token was refused (${apiRefusal[c.m.reason] ?? "refused"})`,
  "audit.archived": (c) => `${c.actor} archived ${plural(c.m.events, "older activity event")}`,
  "audit.archive_downloaded": (c) => `${c.actor} downloaded an activity archive`,
  "incident.created": (c) => `${c.actor} recorded a ${c.m.severity ? `${c.m.severity}-severity ` : ""}security incident affecting this campaign`,
  "incident.entry_added": (c) => `${c.actor} added an update to a security incident`,
  "incident.status_changed": (c) => `${c.actor} marked a security incident as ${c.m.to ?? "changed"}`,
  "incident.switches_recorded": (c) =>
    `${c.actor} recorded the breach switches used in a security incident${c.m.switches?.length ? ` (${list(c.m.switches.map(humanize))})` : ""}`,
  "incident.notified": (c) =>
    c.m.channel === "mail" ? `Rampart mailed ${plural(c.m.recipients ?? 0, "owner")} about a security incident` : "Rampart told the owners about a security incident in the app",
  "incident.acknowledged": (c) => `${c.actor} acknowledged a security incident`,
  "policy.read": (c) => `${c.actor} read the ${c.m.document ? policyTitles[c.m.document].toLowerCase() : "updated policies"}${c.m.version ? ` (version ${c.m.version})` : ""}`,
  "policy.owner_notified": (c) => `Rampart mailed ${c.target} about the ${c.m.document ? `new ${policyTitles[c.m.document].toLowerCase()}` : "updated policies"}`,
  "backup.completed": (c) => `${c.actor} took an encrypted backup of ${plural(c.m.rows, "row")}`,
  "backup.failed": (c) => (c.m.stage === "backup" ? `A backup by ${c.actor} failed` : `${c.actor} could not verify a backup by restoring it`),
  "backup.verified": (c) => `${c.actor} verified a backup by restoring it (${plural(c.m.rows, "row")}, ${plural(c.m.events, "activity event")})`,
  "backup.restored": (c) => `${c.actor} restored a backup of ${plural(c.m.rows, "row")}`,
};

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function person(id: string | null, names: NameResolver, viewerId: string | null | undefined): string {
  if (!id) return "a member";
  if (viewerId && id === viewerId) return "you";
  return names(id)?.trim() || "a member";
}

const possessive = (who: string) => (who === "you" ? "your" : who.endsWith("s") ? `${who}'` : `${who}'s`);

function actorName(e: DescribableEvent, names: NameResolver, viewerId: string | null | undefined): string {
  switch (e.actorKind) {
    case "member":
      return person(e.actorId, names, viewerId);
    case "staff":
      return "Rampart support";
    case "system":
      return "Rampart";
    case "api_token":
      return "an API token";
    case "anonymous":
      return "someone";
  }
}

/** A readable sentence for one event ("Alex changed Sam's role to admin"), naming only people `names` resolves. */
export function describeEvent(event: DescribableEvent, names: NameResolver, opts: DescribeOptions = {}): string {
  if (!isAuditAction(event.action)) return "Something happened";
  const action = event.action;
  const actor = actorName(event, names, opts.viewerId);
  const targetIsUser = event.targetType === "user" && !!event.targetId;
  const target = targetIsUser ? person(event.targetId, names, opts.viewerId) : "a member";
  const parsed = auditActionDefinitions[action].metadata.safeParse(event.metadata);
  // Events recorded under an older metadata shape still get a sentence, without the details.
  const m = (parsed.success ? parsed.data : {}) as never;
  const render = sentences[action] as (c: Ctx<AuditAction>) => string;
  const fallback = capitalize(`${actor}: ${action.replace(/[._]/g, " ")}`);
  try {
    const sentence = render({
      actor,
      their: actor === "you" ? "your" : "their",
      target,
      targets: possessive(target),
      targetIsViewer: targetIsUser && !!opts.viewerId && event.targetId === opts.viewerId,
      m,
    });
    return parsed.success || !/undefined|NaN/.test(sentence) ? capitalize(sentence) : fallback;
  } catch {
    return fallback;
  }
}
