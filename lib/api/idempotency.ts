import "server-only";
import { createHash } from "node:crypto";
import { and, eq, lte } from "drizzle-orm";
import { apiIdempotencyKeys } from "@/db/schema";
import { openAccountSecret, sealAccountSecret } from "@/lib/auth/secret-box";
import type { Database, Transaction } from "@/lib/db";
import { withSystem } from "@/lib/db/tenant";
import { HttpError } from "@/lib/http/route";

/** How long a POST's answer is kept for a retry with the same key. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type StoredAnswer = { status: number; body: unknown };
type Owner = { tokenId: string; orgId: string; userId: string };

export function parseIdempotencyKey(header: string | null): string | null {
  if (header === null) return null;
  if (!KEY_PATTERN.test(header)) throw new HttpError(400, "Idempotency-Key must be 1-255 visible ASCII characters");
  return header;
}

export const requestFingerprint = (method: string, path: string, body: string) => createHash("sha256").update(`${method}\n${path}\n${body}`).digest("base64url");

const context = (owner: Owner, key: string) => `api-idempotency:${owner.tokenId}:${key}`;

/** The answer already given for this key, or null; the same key with another request is refused (422). */
export async function findStoredAnswer(tx: Transaction, owner: Owner, key: string, fingerprint: string): Promise<StoredAnswer | null> {
  await tx.delete(apiIdempotencyKeys).where(and(eq(apiIdempotencyKeys.tokenId, owner.tokenId), eq(apiIdempotencyKeys.key, key), lte(apiIdempotencyKeys.expiresAt, new Date())));
  const [row] = await tx.select().from(apiIdempotencyKeys).where(and(eq(apiIdempotencyKeys.tokenId, owner.tokenId), eq(apiIdempotencyKeys.key, key)));
  if (!row) return null;
  if (row.requestHash !== fingerprint) throw new HttpError(422, "This Idempotency-Key was used for a different request");
  return { status: row.status, body: JSON.parse(openAccountSecret(row.responseSealed, context(owner, key))) };
}

/** Keeps the answer in the same transaction as the change, sealed (it may name people). A concurrent twin fails on the key. */
export async function storeAnswer(tx: Transaction, owner: Owner, key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
  await tx.insert(apiIdempotencyKeys).values({
    ...owner,
    key,
    requestHash: fingerprint,
    status: answer.status,
    responseSealed: sealAccountSecret(JSON.stringify(answer.body ?? null), context(owner, key)),
    expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
  });
}

/** The hourly chore: answers past their 24 hours go, in every campaign (system scope). */
export async function pruneIdempotencyKeys(db: Database, now = new Date()): Promise<number> {
  const gone = await withSystem(db, (tx) => tx.delete(apiIdempotencyKeys).where(lte(apiIdempotencyKeys.expiresAt, now)).returning({ key: apiIdempotencyKeys.key }));
  return gone.length;
}
