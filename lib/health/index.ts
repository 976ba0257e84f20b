import "server-only";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { pingDatabase } from "@/lib/db/client";
import { sharedRedisClient } from "@/lib/ratelimit/redis";
import { createBlobStore } from "@/lib/storage";

export type ComponentCheck = { status: "ok" | "error"; kind: string; latencyMs?: number };
export type Health = { status: "ok" | "degraded"; checks: Record<string, ComponentCheck> };

async function timed(kind: string, probe: () => Promise<void>, timeoutMs = 3000): Promise<ComponentCheck> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return { status: "ok", kind, latencyMs: Math.round(performance.now() - start) };
  } catch {
    return { status: "error", kind };
  } finally {
    clearTimeout(timer);
  }
}

/** Component checks for /api/health: kinds and latencies only, never URLs, keys or error text. */
export async function checkHealth(): Promise<Health> {
  const config = getConfig();
  const { rateLimit } = config;
  const [database, rateLimits, files] = await Promise.all([
    timed(config.database.kind, async () => pingDatabase(await getDb())),
    // The PostgreSQL limiter lives in the database checked above; Upstash REST is checked on use.
    rateLimit.kind === "redis" ? timed("redis", async () => void (await sharedRedisClient(rateLimit.url).ping())) : Promise.resolve<ComponentCheck>({ status: "ok", kind: rateLimit.kind }),
    timed(config.blob.kind, async () => void (await createBlobStore(config.blob).exists("health/probe"))),
  ]);
  const checks: Record<string, ComponentCheck> = { database, rateLimits, files };
  const status = Object.values(checks).every((c) => c.status === "ok") ? "ok" : "degraded";
  return { status, checks };
}
