import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as openpgp from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { connectIntegration, disconnectIntegration, getIntegrationCredentials, listIntegrations } from "@/lib/integrations/secrets";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { isSealedColumn } from "@/db/schema/crypto";
import * as schema from "@/db/schema";
import { getTableColumns, getTableName, isTable } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { exportOrganizationForGpg, ExportPassphraseError } from "./export";
import { putEncryptedFile } from "./files";
import { sealedTables } from "./sealed-tables";
import { createOrganization, useTestMasterKeys } from "./test-support";
import { readAll } from "@/lib/streams";

const SEEDED = {
  apiKey: "sk_live_ZEBRA_4242_unmistakable",
  accessToken: "ya29.PELICAN-oauth-access-token",
  refreshToken: "1//refresh-OCELOT-token",
  fileText: "Jane Marmalade, 12 Quince Lane, +44 20 7946 0958, jane.marmalade@example.org",
};

/** The forms a value could take in a text dump: as is, bytea hex, base64. */
function forms(value: string): string[] {
  const b = Buffer.from(value);
  return [value, value.toLowerCase(), b.toString("hex"), b.toString("base64")];
}

const gpgPath = ["/usr/bin/gpg", "/usr/local/bin/gpg"].find((p) => fs.existsSync(p));

describe("sealed columns are all covered by key rotation", () => {
  it("registers every table with a sealed() column (encrypted_files is rotated as files)", () => {
    const withSealed = Object.values(schema as Record<string, unknown>)
      .filter((v): v is PgTable => isTable(v))
      .filter((table) => Object.values(getTableColumns(table)).some((c) => isSealedColumn(c)))
      .map((table) => getTableName(table))
      .sort();
    expect(withSealed).toEqual([...sealedTables.map((t) => t.name), "encrypted_files"].sort());
  });
});

describe.each(testBackends())("no plaintext at rest, integrations and the GnuPG export (%s)", (backend) => {
  let t: TestDatabase;
  let blobDir: string;
  let store: BlobStore;
  let orgId: string;

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-at-rest-"));
    store = createLocalBlobStore(blobDir);
    orgId = await createOrganization(t.db, `at-rest-${backend}`);
    await withTenant(t.db, { orgId }, async (tx) => {
      await connectIntegration(tx, orgId, { provider: "mailer", credentials: { kind: "api_key", apiKey: SEEDED.apiKey } });
      await connectIntegration(tx, orgId, {
        provider: "calendar",
        credentials: { kind: "oauth", accessToken: SEEDED.accessToken, refreshToken: SEEDED.refreshToken, scope: "events" },
      });
    });
    await putEncryptedFile(t.db, store, { orgId }, Buffer.from(SEEDED.fileText.repeat(2000)));
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it("stores integration credentials sealed, lists them without secrets, and disconnecting deletes them", async () => {
    await withTenant(t.db, { orgId }, async (tx) => {
      expect((await listIntegrations(tx, orgId)).map((i) => [i.provider, i.kind])).toEqual([
        ["calendar", "oauth"],
        ["mailer", "api_key"],
      ]);
      expect(JSON.stringify(await listIntegrations(tx, orgId))).not.toContain(SEEDED.apiKey);
      expect(await getIntegrationCredentials(tx, orgId, "mailer")).toEqual({ kind: "api_key", apiKey: SEEDED.apiKey });
      await connectIntegration(tx, orgId, { provider: "temp", credentials: { kind: "api_key", apiKey: "temporary-key" } });
      await connectIntegration(tx, orgId, { provider: "temp", credentials: { kind: "api_key", apiKey: "replaced-key" } });
      expect(await getIntegrationCredentials(tx, orgId, "temp")).toEqual({ kind: "api_key", apiKey: "replaced-key" });
      expect(await disconnectIntegration(tx, orgId, "temp")).toBe(true);
      expect(await getIntegrationCredentials(tx, orgId, "temp")).toBeNull();
      expect(await disconnectIntegration(tx, orgId, "temp")).toBe(false);
    });
    await expect(
      withTenant(t.db, { orgId }, (tx) => connectIntegration(tx, orgId, { provider: "Bad Name", credentials: { kind: "api_key", apiKey: "x" } })),
    ).rejects.toThrow();
    await expect(
      withTenant(t.db, { orgId }, (tx) => connectIntegration(tx, orgId, { provider: "ok", credentials: { kind: "api_key", apiKey: "" } })),
    ).rejects.toThrow();
  });

  it("leaves no seeded value in a text dump of every table or in the blob directory", async () => {
    const dump = await t.db.transaction(async (tx) => {
      const [{ owner }] = resultRows<{ owner: string }>(await tx.execute(sql`select session_user::text as owner`)) as [{ owner: string }];
      await tx.execute(sql.raw(`SET LOCAL ROLE "${owner.replace(/"/g, "")}"`)); // the database owner: RLS does not hide rows from a dump
      const tables = resultRows<{ name: string }>(await tx.execute(sql`select schemaname || '.' || tablename as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`));
      const lines: string[] = [];
      for (const { name } of tables) {
        const [schemaName, table] = name.split(".") as [string, string];
        const rows = resultRows<{ line: string }>(await tx.execute(sql.raw(`select t::text as line from "${schemaName}"."${table}" t`)));
        lines.push(...rows.map((r) => `${name}: ${r.line}`));
      }
      return { tables: tables.map((x) => x.name), text: lines.join("\n") };
    });
    expect(dump.tables).toEqual(expect.arrayContaining(["public.integration_secrets", "public.encrypted_files", "public.org_keys", "public.jobs"]));
    expect(dump.text).toContain("integration_secrets: ("); // the dump saw the tenant rows…
    expect(dump.text).toContain(`at-rest-${backend}`); // …and would show a value stored in clear
    const haystack = dump.text.toLowerCase();
    const blobs = fs
      .readdirSync(blobDir, { recursive: true })
      .map((f) => path.join(blobDir, String(f)))
      .filter((f) => fs.statSync(f).isFile())
      .map((f) => fs.readFileSync(f));
    expect(blobs.length).toBeGreaterThan(0);
    for (const value of [SEEDED.apiKey, SEEDED.accessToken, SEEDED.refreshToken, SEEDED.fileText, "jane.marmalade@example.org", "Marmalade"]) {
      for (const form of forms(value)) {
        expect(haystack.includes(form.toLowerCase()), `${value} as ${form.slice(0, 12)}… in the database dump`).toBe(false);
        for (const blob of blobs) expect(blob.includes(Buffer.from(form)), `${value} in a blob`).toBe(false);
      }
    }
  });

  it(`exports the organisation as an OpenPGP message that ${gpgPath ? "GnuPG" : "openpgp.js (GnuPG absent)"} decrypts with the passphrase`, async () => {
    const passphrase = "correct horse battery staple";
    await expect(exportOrganizationForGpg(t.db, orgId, "short")).rejects.toBeInstanceOf(ExportPassphraseError);
    const message = await readAll(await exportOrganizationForGpg(t.db, orgId, passphrase));
    expect(message.includes(Buffer.from(`at-rest-${backend}`))).toBe(false);

    let text: string;
    if (gpgPath) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-gnupg-"));
      const file = path.join(home, "export.gpg");
      fs.writeFileSync(file, message);
      try {
        const gpg = (args: string[]) => spawnSync(gpgPath, ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", ...args], { encoding: "utf8" });
        const packets = gpg(["--passphrase", passphrase, "--list-packets", file]);
        expect(packets.stdout).toMatch(/symkey enc packet: version 4, cipher 9/); // SKESK v4, AES-256
        expect(packets.stdout).toMatch(/encrypted data packet:[\s\S]*mdc_method: 2/); // SEIPD v1 with MDC
        const wrong = gpg(["--passphrase", "not the passphrase", "--decrypt", file]);
        expect(wrong.status).not.toBe(0);
        text = execFileSync(gpgPath, ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", passphrase, "--decrypt", file], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        });
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    } else {
      const msg = await openpgp.readMessage({ binaryMessage: message });
      expect(msg.packets.map((p) => [p.constructor.name, (p as unknown as { version: number }).version])).toEqual([
        ["SymEncryptedSessionKeyPacket", 4],
        ["SymEncryptedIntegrityProtectedDataPacket", 1],
      ]);
      text = (await openpgp.decrypt({ message: msg, passwords: [passphrase], format: "utf8" })).data as string;
    }

    const lines = text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: "rampart-export", version: 1, organization: { id: orgId, slug: `at-rest-${backend}` } });
    const integrations = lines.filter((l) => l.table === "integration_secrets").map((l) => l.row as Record<string, unknown>);
    expect(integrations.map((r) => r.provider).sort()).toEqual(["calendar", "mailer"]);
    expect(integrations.every((r) => !("credentials" in r))).toBe(true);
    expect(text).not.toContain(SEEDED.apiKey);
    expect(lines.filter((l) => l.table === "encrypted_files")).toHaveLength(1);
  });
});
