import "server-only";
import { createHash } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import type { Redis as UpstashRedis } from "@upstash/redis";
import { logger } from "@/lib/log";

export type NodeRedisClient = RedisClientType;

/** A command waiting longer than this fails, so a limit check errors (callers refuse) instead of hanging while Redis is away. */
const COMMAND_TIMEOUT_MS = 2_000;

const holder = globalThis as typeof globalThis & { __rampartRedisClients?: Map<string, NodeRedisClient> };

/**
 * One node-redis client per URL for this process (cached on globalThis because Next may load a
 * module twice). Commands issued while it connects wait in its queue, bounded by the timeout.
 */
export function sharedRedisClient(url: string): NodeRedisClient {
  const clients = (holder.__rampartRedisClients ??= new Map());
  const existing = clients.get(url);
  if (existing) return existing;
  const client = createClient({ url, commandOptions: { timeout: COMMAND_TIMEOUT_MS }, socket: { connectTimeout: 5_000 } });
  client.on("error", (err: unknown) => logger.warn({ err }, "redis connection error"));
  clients.set(url, client);
  client.connect().catch((err: unknown) => {
    if (clients.get(url) === client) clients.delete(url);
    logger.warn({ err }, "redis client stopped");
  });
  return client;
}

/** Closes every shared client (tests, shutdown); the next sharedRedisClient call opens a new one. */
export async function closeRedisClients(): Promise<void> {
  const clients = holder.__rampartRedisClients;
  if (!clients) return;
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.close().catch(() => undefined)));
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** Redis 7.0 rejects the `#!lua flags=allow-key-locking` line @upstash/ratelimit puts first; Lua does not need it. */
export function stripScriptShebang(script: string): string {
  return script.startsWith("#!") ? script.slice(script.indexOf("\n") + 1) : script;
}

const toArgument = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

export type LuaScriptRedis = Pick<UpstashRedis, "evalsha" | "eval">;

/**
 * The part of @upstash/redis that @upstash/ratelimit's single-region algorithms call, over
 * node-redis. Scripts run without their shebang line, so the hash the library asks for is mapped
 * to the hash of the stripped script; a hash not seen yet answers NOSCRIPT, and the library then
 * sends the script itself through eval. (Analytics, deny lists and dynamic limits, which would
 * need more commands, are left off by ./upstash.)
 */
export function createLuaScriptRedis(client: NodeRedisClient): LuaScriptRedis {
  const serverHashOf = new Map<string, string>();
  const options = (keys: string[], args: unknown[]) => ({ keys, arguments: args.map(toArgument) });
  return {
    evalsha: async <TArgs extends unknown[], TData = unknown>(hash: string, keys: string[], args: TArgs): Promise<TData> => {
      const serverHash = serverHashOf.get(hash);
      if (!serverHash) throw new Error("NOSCRIPT script not loaded through this adapter yet");
      return (await client.evalSha(serverHash, options(keys, args))) as TData;
    },
    eval: async <TArgs extends unknown[], TData = unknown>(script: string, keys: string[], args: TArgs): Promise<TData> => {
      const stripped = stripScriptShebang(script);
      serverHashOf.set(sha1(script), sha1(stripped));
      return (await client.eval(stripped, options(keys, args))) as TData;
    },
  };
}
