import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { backupSubkey } from "./key";

/** What a backup holds, written beside it: facts and ids only, never key material or personal data. */
export const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(/^\d{8}T\d{6}Z-[a-f0-9]{6}$/),
  createdAt: z.string(),
  driver: z.enum(["pglite", "pg", "neon"]),
  backupKeyId: z.string(),
  migration: z.object({ count: z.number().int(), hash: z.string().nullable() }),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().min(0) })),
  chainHeads: z.array(z.object({ chainId: z.string(), orgId: z.string().nullable(), seq: z.number().int(), hash: z.string() })),
  masterKeyIds: z.array(z.string()),
  orgKeys: z.array(z.object({ orgId: z.string(), kind: z.string(), version: z.number().int(), status: z.string(), masterKeyId: z.string().nullable() })),
  plaintext: z.object({ bytes: z.number().int(), sha256: z.string().regex(/^[a-f0-9]{64}$/) }),
  ciphertext: z.object({ bytes: z.number().int(), sha256: z.string().regex(/^[a-f0-9]{64}$/) }),
  /** HMAC of everything above under a subkey of the backup key: a changed manifest is refused. */
  mac: z.string().regex(/^[a-f0-9]{64}$/),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export const backupBlobKey = (id: string) => `backups/${id}.pgp`;
export const manifestBlobKey = (id: string) => `backups/${id}.manifest.json`;
export const isBackupId = (value: string) => /^\d{8}T\d{6}Z-[a-f0-9]{6}$/.test(value);

/** JSON with object keys sorted at every level, so the MAC does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

function macOf(key: Buffer, manifest: Omit<BackupManifest, "mac">): string {
  return createHmac("sha256", backupSubkey(key, "manifest", manifest.id)).update(canonical(manifest)).digest("hex");
}

export function signManifest(key: Buffer, manifest: Omit<BackupManifest, "mac">): BackupManifest {
  return { ...manifest, mac: macOf(key, manifest) };
}

/** Parses and authenticates a manifest; throws a message for the operator. */
export function readManifest(key: Buffer, text: string): BackupManifest {
  let parsed: BackupManifest;
  try {
    parsed = manifestSchema.parse(JSON.parse(text));
  } catch {
    throw new Error("the manifest is not a Rampart backup manifest");
  }
  const { mac, ...rest } = parsed;
  const expected = Buffer.from(macOf(key, rest), "hex");
  if (!timingSafeEqual(expected, Buffer.from(mac, "hex"))) throw new Error("the manifest was changed, or belongs to another backup key");
  return parsed;
}
