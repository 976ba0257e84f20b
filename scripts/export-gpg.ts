import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { organizations } from "@/db/schema/organizations";
import { parseConfig } from "@/lib/config";
import { exportOrganizationForGpg } from "@/lib/crypto/export";
import { openDatabase } from "@/lib/db/client";
import { withSystem } from "@/lib/db/tenant";
import { recordAuditEvent } from "@/lib/audit";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run export:gpg -- --org <slug> --out <file.gpg> [--passphrase-file <file>]

Writes the organisation's data as one OpenPGP message encrypted with a passphrase (AES-256,
SEIPD v1 with MDC, which GnuPG 2.2 reads). The passphrase comes from --passphrase-file (first
line) or RAMPART_EXPORT_PASSPHRASE; it is never logged. Decrypt with:
  gpg --decrypt <file.gpg> > export.jsonl`;

runCli(async () => {
  const { values } = parseArgs({
    options: { org: { type: "string" }, out: { type: "string" }, "passphrase-file": { type: "string" }, help: { type: "boolean", default: false } },
  });
  if (values.help || !values.org || !values.out) return console.log(usage);
  const passphrase = values["passphrase-file"]
    ? fs.readFileSync(values["passphrase-file"], "utf8").split(/\r?\n/)[0]!
    : process.env.RAMPART_EXPORT_PASSPHRASE;
  if (!passphrase) throw new Error("Give the passphrase with --passphrase-file or RAMPART_EXPORT_PASSPHRASE");
  if (fs.existsSync(values.out)) throw new Error(`${values.out} exists; choose another file`);
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  try {
    const [org] = await withSystem(handle.db, (tx) => tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, values.org!)));
    if (!org) throw new Error(`No organisation with the slug "${values.org}"`);
    const message = await exportOrganizationForGpg(handle.db, org.id, passphrase);
    try {
      await pipeline(Readable.fromWeb(message as NodeReadableStream<Uint8Array>), fs.createWriteStream(values.out, { flags: "wx", mode: 0o600 }));
    } catch (err) {
      fs.rmSync(values.out, { force: true });
      throw err;
    }
    await recordAuditEvent(handle.db, { orgId: org.id, actor: { kind: "system" }, action: "data.exported", metadata: { scope: "organization", format: "jsonl" } });
    console.log(`Wrote ${values.out} (${fs.statSync(values.out).size} bytes). Decrypt with: gpg --decrypt ${values.out}`);
  } finally {
    await handle.close();
  }
});
