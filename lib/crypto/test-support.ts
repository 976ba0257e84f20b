import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { organizations } from "@/db/schema";
import type { Database } from "@/lib/db/client";
import { createLocalMasterKeyProvider, setMasterKeyProvider, type MasterKeyProvider } from "./keyring";

/** Fixed master keys for a test file (newest first), so tests never touch a key file. */
export function useTestMasterKeys(ids: string[] = ["test1"]): { id: string; key: Buffer }[] {
  const keys = ids.map((id) => ({ id, key: randomBytes(32) }));
  setMasterKeyProvider(createLocalMasterKeyProvider(keys, "test"));
  return keys;
}

/** Wraps a provider to count its calls (to see the key cache at work). */
export function countingProvider(inner: MasterKeyProvider): MasterKeyProvider & { unwraps: number; wraps: number } {
  const counted = {
    name: inner.name,
    unwraps: 0,
    wraps: 0,
    keyIds: () => inner.keyIds(),
    wrap: (id: string, p: Uint8Array, aad: Uint8Array) => {
      counted.wraps++;
      return inner.wrap(id, p, aad);
    },
    unwrap: (id: string, w: Uint8Array, aad: Uint8Array) => {
      counted.unwraps++;
      return inner.unwrap(id, w, aad);
    },
  };
  return counted;
}

/** A new organisation, inserted in the system scope (the seed's and scripts' context). */
export async function createOrganization(db: Database, slug = `org-${randomUUID().slice(0, 8)}`): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.system_scope', 'on', true)`);
    const [org] = await tx.insert(organizations).values({ slug, name: slug }).returning({ id: organizations.id });
    return org!.id;
  });
}
