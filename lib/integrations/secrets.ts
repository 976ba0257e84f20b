import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { integrationSecrets, type IntegrationCredentials, type IntegrationKind } from "@/db/schema/crypto";
import type { Transaction } from "@/lib/db/client";
import { sealedTable } from "@/lib/crypto/sealed";

/** Credentials are sealed; the export lists connections without them (they are keys, not the campaign's data). */
export const sealedIntegrationSecrets = sealedTable(integrationSecrets, { id: "id", orgId: "orgId", exportMode: "metadata" });

export const providerSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "a provider id is lowercase letters, digits, '-' or '_'");

const secret = z.string().min(1).max(8192);
export const credentialsSchema: z.ZodType<IntegrationCredentials> = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("api_key"), apiKey: secret, extra: z.record(z.string().max(64), z.string().max(2048)).optional() }).strict(),
  z
    .object({
      kind: z.literal("oauth"),
      accessToken: secret,
      refreshToken: secret.optional(),
      expiresAt: z.iso.datetime().optional(),
      scope: z.string().max(2048).optional(),
    })
    .strict(),
]);

/** What the settings page may show about a connection: never the credentials. */
export type IntegrationSummary = { id: string; provider: string; kind: IntegrationKind; connectedBy: string | null; createdAt: Date; updatedAt: Date };

const summaryColumns = {
  id: integrationSecrets.id,
  provider: integrationSecrets.provider,
  kind: integrationSecrets.kind,
  connectedBy: integrationSecrets.connectedBy,
  createdAt: integrationSecrets.createdAt,
  updatedAt: integrationSecrets.updatedAt,
};

/** Stores (or replaces) the credentials of one provider for the organisation, encrypted; `tx` comes from withTenant. */
export async function connectIntegration(
  tx: Transaction,
  orgId: string,
  input: { provider: string; credentials: IntegrationCredentials; connectedBy?: string | null },
): Promise<IntegrationSummary> {
  const provider = providerSchema.parse(input.provider);
  const credentials = credentialsSchema.parse(input.credentials);
  const [existing] = await tx
    .select({ id: integrationSecrets.id })
    .from(integrationSecrets)
    .where(and(eq(integrationSecrets.orgId, orgId), eq(integrationSecrets.provider, provider)))
    .for("update");
  if (existing) {
    const patch = await sealedIntegrationSecrets.sealPatch(tx, { orgId, id: existing.id }, { credentials, kind: credentials.kind });
    const [row] = await tx
      .update(integrationSecrets)
      .set({ ...patch, connectedBy: input.connectedBy ?? null, updatedAt: new Date() })
      .where(eq(integrationSecrets.id, existing.id))
      .returning(summaryColumns);
    return row!;
  }
  const values = await sealedIntegrationSecrets.seal(tx, {
    id: randomUUID(),
    orgId,
    provider,
    kind: credentials.kind,
    credentials,
    connectedBy: input.connectedBy ?? null,
  });
  const [row] = await tx.insert(integrationSecrets).values(values).returning(summaryColumns);
  return row!;
}

/** The organisation's connections, without credentials. */
export async function listIntegrations(tx: Transaction, orgId: string): Promise<IntegrationSummary[]> {
  return tx.select(summaryColumns).from(integrationSecrets).where(eq(integrationSecrets.orgId, orgId)).orderBy(integrationSecrets.provider);
}

/** The decrypted credentials for calling a provider, or null when not connected. */
export async function getIntegrationCredentials(tx: Transaction, orgId: string, provider: string): Promise<IntegrationCredentials | null> {
  const [row] = await tx
    .select()
    .from(integrationSecrets)
    .where(and(eq(integrationSecrets.orgId, orgId), eq(integrationSecrets.provider, providerSchema.parse(provider))));
  if (!row) return null;
  return (await sealedIntegrationSecrets.open(tx, row)).credentials;
}

/**
 * Disconnects a provider: the row and its sealed credentials are deleted. Dead row versions and
 * backups still hold the ciphertext until vacuum and expiry; it stays under the organisation's key.
 */
export async function disconnectIntegration(tx: Transaction, orgId: string, provider: string): Promise<boolean> {
  const deleted = await tx
    .delete(integrationSecrets)
    .where(and(eq(integrationSecrets.orgId, orgId), eq(integrationSecrets.provider, providerSchema.parse(provider))))
    .returning({ id: integrationSecrets.id });
  return deleted.length > 0;
}
