import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testBackends, type TestBackend, type TestDatabase } from "@/lib/testing/databases";
import { createRateLimiter, pruneRateLimitHits } from "./index";
import type { RateLimiter, RateLimiterOptions } from "./limiter";
import { createMemoryRateLimiter } from "./memory";
import { createPostgresRateLimiter } from "./postgres";
import { closeRedisClients } from "./redis";
import { createRedisRateLimiter } from "./upstash";

type Opened = { make(options: RateLimiterOptions): RateLimiter };
type Subject = { label: string; open(): Promise<Opened> };

const redisUrl = process.env.RAMPART_TEST_REDIS_URL;

// One database per backend for the whole file: creating one (PGlite above all) is the slow part.
const databases = new Map<TestBackend, Promise<TestDatabase>>();
function database(backend: TestBackend): Promise<TestDatabase> {
  let db = databases.get(backend);
  if (!db) databases.set(backend, (db = createTestDatabase(backend)));
  return db;
}
afterAll(async () => {
  await closeRedisClients();
  await Promise.all([...databases.values()].map(async (db) => (await db).drop()));
});

const subjects: Subject[] = [
  { label: "in-process burst limiter", open: async () => ({ make: (o: RateLimiterOptions) => createMemoryRateLimiter(o) }) },
  ...testBackends().map((backend) => ({
    label: `rate_limit_take on ${backend}`,
    open: async () => {
      const t = await database(backend);
      return { make: (o: RateLimiterOptions) => createPostgresRateLimiter(t.db, o) };
    },
  })),
  ...(redisUrl
    ? [
        {
          label: "@upstash/ratelimit on Redis through node-redis",
          open: async () => ({ make: (o: RateLimiterOptions) => createRedisRateLimiter(redisUrl, o) }),
        },
      ]
    : []),
];

// Limiter names unique to this run, so parallel runs against the shared Redis never meet.
const run = randomBytes(4).toString("hex");
const named = (name: string) => `t${run}-${name}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Windows are aligned to the epoch: start a burst in a fresh window when the current one is about to end. */
async function roomInWindow(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 5);
}

async function takeSequentially(limiter: RateLimiter, key: string, times: number) {
  const out = [];
  for (let i = 0; i < times; i++) out.push(await limiter.limit(key));
  return out;
}

describe.each(subjects)("rate limiter contract: $label", (subject) => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await subject.open();
  });

  it("allows exactly `limit` calls in a window, then refuses with nothing remaining and a reset ahead", async () => {
    const windowMs = 2_000;
    const limiter = opened.make({ name: named("exact"), limit: 5, windowMs });
    await roomInWindow(windowMs, 500);
    const allowed = await takeSequentially(limiter, "k", 5);
    expect(allowed.map((r) => r.success)).toEqual([true, true, true, true, true]);
    expect(allowed.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(allowed.every((r) => r.limit === 5)).toBe(true);

    const before = Date.now();
    const refused = await limiter.limit("k");
    expect(refused).toMatchObject({ success: false, remaining: 0, limit: 5 });
    expect(refused.reset).toBeGreaterThan(before);
    expect(refused.reset).toBeLessThanOrEqual(before + 2 * windowMs);
    expect((await limiter.limit("k")).success).toBe(false);
  });

  it("counts each key on its own", async () => {
    const windowMs = 10_000;
    const limiter = opened.make({ name: named("keys"), limit: 3, windowMs });
    await roomInWindow(windowMs, 500);
    expect((await takeSequentially(limiter, "a", 4)).map((r) => r.success)).toEqual([true, true, true, false]);
    expect((await takeSequentially(limiter, "b", 4)).map((r) => r.success)).toEqual([true, true, true, false]);
  });

  it("counts each limiter name on its own for the same key", async () => {
    const windowMs = 10_000;
    const first = opened.make({ name: named("first"), limit: 3, windowMs });
    const second = opened.make({ name: named("second"), limit: 3, windowMs });
    await roomInWindow(windowMs, 500);
    expect((await takeSequentially(first, "same", 4)).map((r) => r.success)).toEqual([true, true, true, false]);
    expect((await takeSequentially(second, "same", 4)).map((r) => r.success)).toEqual([true, true, true, false]);
  });

  it("allows again once the window and its weight in the next one have passed", async () => {
    const windowMs = 400;
    const limiter = opened.make({ name: named("again"), limit: 3, windowMs });
    await roomInWindow(windowMs, 250);
    const start = Date.now();
    expect((await takeSequentially(limiter, "k", 4)).map((r) => r.success)).toEqual([true, true, true, false]);
    // By the end of the next window the previous one weighs nothing: the whole budget is back.
    await sleep(Math.max(0, start - (start % windowMs) + 2 * windowMs - Date.now()) + 10);
    expect(Date.now() - start).toBeLessThanOrEqual(2.5 * windowMs);
    const again = await limiter.limit("k");
    expect(again).toMatchObject({ success: true, remaining: 2 });
  });

  it("allows exactly `limit` of many concurrent calls", async () => {
    const windowMs = 10_000;
    const limiter = opened.make({ name: named("burst"), limit: 5, windowMs });
    await roomInWindow(windowMs, 500);
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.limit("k")));
    const allowed = results.filter((r) => r.success);
    expect(allowed).toHaveLength(5);
    expect(allowed.map((r) => r.remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(results.filter((r) => !r.success).every((r) => r.remaining === 0)).toBe(true);
  });

  it("rejects an empty key", async () => {
    const limiter = opened.make({ name: named("empty"), limit: 1, windowMs: 1_000 });
    await expect(limiter.limit("")).rejects.toThrow(/non-empty/);
  });
});

describe("in-process burst limiter", () => {
  it("forgets the oldest keys past its bound, so a flood of new keys cannot grow it without end", async () => {
    const limiter = createMemoryRateLimiter({ name: named("bounded"), limit: 1, windowMs: 3_600_000 }, 3);
    expect((await limiter.limit("first")).success).toBe(true);
    expect((await limiter.limit("first")).success).toBe(false);
    for (const k of ["b", "c", "d"]) await limiter.limit(k);
    expect((await limiter.limit("first")).success).toBe(true);
  });
});

describe("createRateLimiter and pruneRateLimitHits (pglite)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await database("pglite");
  });

  const hitRows = async () => (t.db.execute(sql`select count(*)::integer as n from rate_limit_hits`) as Promise<{ rows: { n: number }[] }>).then((r) => r.rows[0]!.n);

  it("counts in PostgreSQL for the embedded configuration", async () => {
    const limiter = createRateLimiter({ kind: "postgres" }, t.db, { name: named("chooser-pg"), limit: 1, windowMs: 60_000 });
    expect((await limiter.limit("k")).success).toBe(true);
    expect((await limiter.limit("k")).success).toBe(false);
    expect(await hitRows()).toBeGreaterThan(0);
  });

  // Registered only when the test script found a Redis, like the other backends: never a skipped test.
  if (redisUrl)
    it("counts in Redis when REDIS_URL is configured, not in PostgreSQL", async () => {
    const before = await hitRows();
    const name = named("chooser-redis");
    const limiter = createRateLimiter({ kind: "redis", url: redisUrl! }, t.db, { name, limit: 1, windowMs: 60_000 });
    expect((await limiter.limit("k")).success).toBe(true);
    expect((await limiter.limit("k")).success).toBe(false);
    expect(await hitRows()).toBe(before);
  });

  it("sends Upstash REST commands with the token for the Upstash configuration", async () => {
    const seen: { auth?: string; command: unknown[] }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        // @upstash/redis batches commands through /pipeline unless told otherwise; answer both forms.
        const pipelined = req.url?.startsWith("/pipeline") ?? false;
        const commands = (pipelined ? JSON.parse(body) : [JSON.parse(body)]) as unknown[][];
        const answers = commands.map((command) => {
          seen.push({ auth: req.headers.authorization, command });
          return String(command[0]).toLowerCase() === "evalsha" ? { error: "NOSCRIPT No matching script" } : { result: [4, 5] };
        });
        const failed = !pipelined && "error" in answers[0]!;
        res.writeHead(failed ? 400 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(pipelined ? answers : answers[0]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const backend = { kind: "upstash" as const, url: `http://127.0.0.1:${port}`, token: "token-for-tests" };
      const limiter = createRateLimiter(backend, t.db, { name: "chooser-upstash", limit: 5, windowMs: 1_000 });
      expect(await limiter.limit("k")).toMatchObject({ success: true, remaining: 4, limit: 5 });
      expect(seen.map((r) => [r.auth, String(r.command[0]).toLowerCase()])).toEqual([
        ["Bearer token-for-tests", "evalsha"],
        ["Bearer token-for-tests", "eval"],
      ]);
      expect(String(seen[1]!.command[3])).toMatch(/^rampart:rl:chooser-upstash:k:\d+$/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("prunes only counters older than two of the longest window", async () => {
    const windowMs = 60_000;
    const limiter = createRateLimiter({ kind: "postgres" }, t.db, { name: named("prune"), limit: 1, windowMs });
    await limiter.limit("k");
    expect(await pruneRateLimitHits(t.db, windowMs)).toBe(0);
    expect((await limiter.limit("k")).success).toBe(false);
    const rows = await hitRows();
    expect(await pruneRateLimitHits(t.db, windowMs, Date.now() + 3 * windowMs)).toBe(rows);
    expect(await hitRows()).toBe(0);
  });
});
