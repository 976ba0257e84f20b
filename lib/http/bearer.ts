import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";

export type BearerCheck = "ok" | "missing" | "wrong";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Checks `Authorization: Bearer <secret>` in constant time: both sides are hashed first, so the comparison
 * has equal lengths and its time says nothing about the secret's length or any prefix.
 */
export function checkBearer(headers: Headers, secret: string): BearerCheck {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  if (!match) return "missing";
  return timingSafeEqual(digest(match[1]!), digest(secret)) ? "ok" : "wrong";
}
