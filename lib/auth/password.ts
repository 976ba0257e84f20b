import "server-only";
import argon2 from "argon2";

/** argon2id above OWASP's minimum (m ≥ 19 MiB, t ≥ 2, p = 1): 64 MiB, 3 passes, 1 lane. */
export const passwordHashOptions = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, passwordHashOptions);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/** A hash with the same parameters, verified for unknown accounts so that they take as long as known ones. */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(`unknown-account-${Math.random()}`);
  return dummy;
}
