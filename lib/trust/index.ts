import "server-only";
import type { Config } from "@/lib/config";
import type { Database } from "@/lib/db";
import { lastRestoreTest } from "@/lib/backup/status";
import { resolvedIncidentCount } from "@/lib/incidents";
import { policyChanges, type PolicyVersion } from "@/lib/policies/registry";
import { CONSENT_POLICY_VERSION } from "@/lib/privacy/consent-policy";
import { loadSecrets } from "@/lib/keys";
import { staticSecurityHeaders } from "@/lib/http/security-headers";

export type TrustFact = { topic: string; statement: string; detail: string };

const databaseNames = {
  pglite: "an embedded PostgreSQL (PGlite) in the server's data directory",
  pg: "PostgreSQL",
  neon: "Neon serverless PostgreSQL",
} as const;

/** The trust page's statements, each derived from the configuration this server is running with. */
export function describeDeployment(config: Config): TrustFact[] {
  const keys = loadSecrets(config).masterKeys;
  return [
    {
      topic: "Tenant isolation",
      statement: "Each campaign's rows are fenced off by PostgreSQL row-level security.",
      detail: `Data lives in ${databaseNames[config.database.kind]}. The application works as a database role that owns nothing, and every campaign query runs in a transaction bound to that campaign.`,
    },
    {
      topic: "Encryption keys",
      statement: `${keys.length} versioned master key${keys.length === 1 ? "" : "s"} held by the server, never in the database.`,
      detail: config.embedded
        ? "This is a development server: its keys were generated on first start and sit in its data directory."
        : "Keys are supplied through the environment by the operator, newest first, so they can be rotated.",
    },
    {
      topic: "Login protection",
      statement: "Sign-in attempts are rate limited per account and per network address.",
      detail: `Limits are counted in ${config.rateLimit.kind === "postgres" ? "the database" : "Redis"}.`,
    },
    {
      topic: "Files",
      statement: "Uploaded files are stored as ciphertext only.",
      detail: config.blob.kind === "local" ? "Files are kept in the server's data directory." : "Files are kept in Vercel Blob, private access.",
    },
    {
      topic: "Browser protections",
      statement: "Every response carries a nonce-based Content Security Policy and strict security headers.",
      detail: `Including ${Object.keys(staticSecurityHeaders).join(", ")}; framing by other sites is refused.`,
    },
    {
      topic: "Cookies",
      statement: "Only strictly necessary cookies are set until you choose; your choice is recorded as proof.",
      detail: `Cookie policy version ${CONSENT_POLICY_VERSION}.${config.secureCookies ? " Session cookies use the __Host- prefix and are Secure." : ""}`,
    },
  ];
}

/** The trust page's record of operations: a count of resolved incidents (no details) and every published policy change. */
/** What the trust page shows from the running system: incidents resolved in 12 months, policy changes, the last passed restore test. */
export type SecurityRecord = { resolvedIncidentsLastYear: number; policyChanges: PolicyVersion[]; lastRestoreTest: Date | null };

export async function loadSecurityRecord(db: Database, now = new Date()): Promise<SecurityRecord> {
  const restore = await lastRestoreTest(db);
  return {
    resolvedIncidentsLastYear: await resolvedIncidentCount(db, now),
    policyChanges: policyChanges(),
    lastRestoreTest: restore?.ok ? new Date(restore.at) : null,
  };
}
