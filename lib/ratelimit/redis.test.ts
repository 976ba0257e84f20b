import { createHash } from "node:crypto";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { closeRedisClients, createLuaScriptRedis, sharedRedisClient, stripScriptShebang } from "./redis";
import { createRedisRateLimiter } from "./upstash";

const redisUrl = process.env.RAMPART_TEST_REDIS_URL;
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

afterAll(() => closeRedisClients());

describe("stripScriptShebang", () => {
  it("drops the flags line @upstash/ratelimit puts first and keeps the script", () => {
    expect(stripScriptShebang("#!lua flags=allow-key-locking\n  local k = KEYS[1]\n  return 1")).toBe("  local k = KEYS[1]\n  return 1");
  });
  it("leaves a script without a shebang alone", () => {
    expect(stripScriptShebang("return 1")).toBe("return 1");
  });
});

describe("a Redis that does not answer", () => {
  it("makes the limiter fail instead of letting the call through", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const limiter = createRedisRateLimiter(`redis://127.0.0.1:${closedPort}`, { name: "unreachable", limit: 5, windowMs: 1_000 });
    await expect(limiter.limit("k")).rejects.toThrow();
  });
});

// Registered only when the test script found a Redis, like the other backends: never a skipped test.
if (redisUrl)
  describe("node-redis adapter for @upstash/ratelimit", () => {
  const script = "#!lua flags=allow-key-locking\nreturn {tonumber(ARGV[1]) + 1, KEYS[1]}";

  it("answers NOSCRIPT for a hash it has not been shown yet, so the library falls back to eval", async () => {
    const redis = createLuaScriptRedis(sharedRedisClient(redisUrl!));
    await expect(redis.evalsha(sha1(script), ["k"], [1])).rejects.toThrow(/NOSCRIPT/);
  });

  it("runs a script with the shebang Redis 7.0 rejects, then runs it again by the library's hash", async () => {
    const redis = createLuaScriptRedis(sharedRedisClient(redisUrl!));
    expect(await redis.eval(script, ["key-a"], [41])).toEqual([42, "key-a"]);
    expect(await redis.evalsha(sha1(script), ["key-b"], [1])).toEqual([2, "key-b"]);
  });

  it("shares one client per URL until closed", async () => {
    const first = sharedRedisClient(redisUrl!);
    expect(sharedRedisClient(redisUrl!)).toBe(first);
    await closeRedisClients();
    expect(first.isOpen).toBe(false);
    const second = sharedRedisClient(redisUrl!);
    expect(second).not.toBe(first);
    expect(await second.ping()).toBe("PONG");
  });
});
