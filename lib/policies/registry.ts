/**
 * The published versions of Rampart's policies. Publishing a version = its document in policies/*.md (its
 * `Version:` line), an entry in policies/CHANGELOG.md and an entry here; registry.test.ts keeps the three in step.
 * No server-only: the cookie banner's policy version (lib/privacy/consent-policy.ts) comes from here too.
 */

export const policyDocuments = ["privacy", "cookies", "data-protection"] as const;
export type PolicyDocument = (typeof policyDocuments)[number];

export const policyTitles: Record<PolicyDocument, string> = {
  privacy: "Privacy policy",
  cookies: "Cookie policy",
  "data-protection": "Data protection agreement",
};

/** `version` is the publication date, so versions sort by their text; it must fit the consent cookie ([\w-]{1,20}). */
export type PolicyVersion = { document: PolicyDocument; version: string; summary: string };

export const policyVersions: readonly PolicyVersion[] = [
  { document: "privacy", version: "2026-11-01", summary: "First published." },
  { document: "cookies", version: "2026-11-01", summary: "First published: strictly necessary cookies only until you choose; one optional category (preferences)." },
  { document: "data-protection", version: "2026-11-01", summary: "First published." },
  {
    document: "privacy",
    version: "2026-12-06",
    summary: "Adds how security incidents are handled: owners are told in the app and by mail, and the security page publishes how many were resolved.",
  },
  {
    document: "cookies",
    version: "2026-12-07",
    summary: "Lists the device cookie: strictly necessary, set when you sign in, so an attack on your account never locks you out of your own browser; void once your password changes.",
  },
];

/** Every published change, newest first (for /security and the changelog). */
export function policyChanges(): PolicyVersion[] {
  return [...policyVersions].sort((a, b) => b.version.localeCompare(a.version) || a.document.localeCompare(b.document));
}

/** The version in force of one document. */
export function currentPolicyVersion(document: PolicyDocument): PolicyVersion {
  const newest = policyChanges().find((v) => v.document === document);
  if (!newest) throw new Error(`No published version of the ${document} policy`);
  return newest;
}

export function currentPolicyVersions(): PolicyVersion[] {
  return policyDocuments.map(currentPolicyVersion);
}

/** A version concerns a person when it was published after the day their account was created: they did not see it then. */
export function versionConcerns(version: PolicyVersion, accountCreatedAt: Date): boolean {
  return version.version > accountCreatedAt.toISOString().slice(0, 10);
}

export function isPolicyDocument(value: string): value is PolicyDocument {
  return (policyDocuments as readonly string[]).includes(value);
}
