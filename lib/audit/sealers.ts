import "server-only";
import type { Database } from "@/lib/db/client";
import { deleteEncryptedFile, FileNotFoundError, openEncryptedFile, putEncryptedFile } from "@/lib/crypto/files";
import { decryptMessage, encryptMessage } from "@/lib/crypto/pgp/message";
import { derivedKey } from "@/lib/keys";
import type { BlobStore } from "@/lib/storage/blob-store";
import { archiveBlobKey, readBlob, type ArchiveLocation, type ArchiveSealer, type StoredArchive } from "./archive";
import { isUuid } from "@/lib/validation/ids";
import { readAll } from "@/lib/streams";

const FILE_REF = /^file:([0-9a-f-]{36})$/;

/** The OpenPGP literal name binds an account-chain archive to its id, so a file copied into another's place fails. */
const accountBinding = (at: ArchiveLocation) => Buffer.from(`rampart/audit_archives/account/${at.archiveId}`);
/** The account chain belongs to no organisation: its archives are sealed under a key derived for this purpose alone. */
const accountKey = () => derivedKey("audit-archive:account");

function fileId(at: StoredArchive): string {
  const match = FILE_REF.exec(at.ref);
  if (!match || !isUuid(match[1])) throw new Error("not an encrypted-file archive reference");
  return match[1]!;
}

/**
 * The production sealer. An organisation's archive is one of its encrypted files (lib/crypto): an OpenPGP message
 * under a fresh file key sealed with the organisation's data key, so data-key rotation re-encrypts it and
 * crypto-shredding the organisation makes it unreadable. Account-chain archives are OpenPGP messages under a key
 * derived from the server secret.
 */
export function createOrgKeyArchiveSealer(db: Database): ArchiveSealer {
  return {
    async write(blobs: BlobStore, at, plaintext) {
      if (at.orgId === null) {
        const ref = archiveBlobKey(at);
        const message = encryptMessage(accountKey(), plaintext, accountBinding(at));
        await blobs.put(ref, message);
        return { ref, size: message.length };
      }
      const file = await putEncryptedFile(db, blobs, { orgId: at.orgId }, plaintext);
      return { ref: `file:${file.id}`, size: file.size };
    },
    async read(blobs, at) {
      if (at.orgId === null) {
        const message = await readBlob(blobs, at.ref);
        if (!message) return null;
        const { filename, data } = decryptMessage(accountKey(), message);
        if (!filename.equals(accountBinding(at))) throw new Error("archive file belongs elsewhere");
        return data;
      }
      try {
        return await readAll((await openEncryptedFile(db, blobs, { orgId: at.orgId }, fileId(at))).stream);
      } catch (err) {
        if (err instanceof FileNotFoundError) return null;
        throw err;
      }
    },
    async discard(blobs, at) {
      if (at.orgId === null) await blobs.delete(at.ref);
      else await deleteEncryptedFile(db, blobs, { orgId: at.orgId }, fileId(at));
    },
  };
}

