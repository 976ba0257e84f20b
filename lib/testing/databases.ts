import type { DatabaseConfig } from "@/lib/config";
import { openDatabase, type DatabaseHandle } from "@/lib/db/client";
import { startNeonBridge } from "./neon-bridge";
import { createScratchDatabase } from "./scratch-database";

export type TestBackend = "pglite" | "postgres" | "neon";

/** The database backends this run can reach: PGlite always; PostgreSQL and the Neon driver when the test script found a server. */
export function testBackends(): TestBackend[] {
  const out: TestBackend[] = ["pglite"];
  if (process.env.RAMPART_TEST_PG_URL) out.push("postgres");
  if (process.env.RAMPART_TEST_PG_URL && process.env.RAMPART_TEST_NEON === "1") out.push("neon");
  return out;
}

export type TestDatabase = DatabaseHandle & { backend: TestBackend; url?: string; drop(): Promise<void> };

/** A fresh, migrated database for one test file: in-memory PGlite, or a new database on the local server. */
export async function createTestDatabase(backend: TestBackend): Promise<TestDatabase> {
  if (backend === "pglite") {
    const handle = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    return { ...handle, backend, drop: () => handle.close() };
  }
  const base = process.env.RAMPART_TEST_PG_URL!;
  const scratch = await createScratchDatabase(base, "rampart_t");
  const url = new URL(scratch.url);
  let bridge: Awaited<ReturnType<typeof startNeonBridge>> | undefined;
  let config: DatabaseConfig = { kind: "pg", url: url.toString() };
  if (backend === "neon") {
    bridge = await startNeonBridge({ host: url.hostname, port: Number(url.port || 5432) });
    config = { kind: "neon", url: url.toString(), wsProxy: bridge.proxy };
  }
  const handle = await openDatabase(config);
  return {
    ...handle,
    backend,
    url: url.toString(),
    drop: async () => {
      await handle.close();
      await bridge?.close();
      await scratch.drop();
    },
  };
}
