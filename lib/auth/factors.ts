import "server-only";
import { eq } from "drizzle-orm";
import { webauthnCredentials } from "@/db/schema";
import type { Queryable } from "@/lib/db";
import { hasTotp } from "./totp";

/** Whether a person has any second factor: an authenticator app or a security key. */
export async function hasSecondFactor(db: Queryable, userId: string): Promise<boolean> {
  if (await hasTotp(db, userId)) return true;
  const [key] = await db.select({ id: webauthnCredentials.id }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).limit(1);
  return Boolean(key);
}
