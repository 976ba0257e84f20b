import { afterEach, describe, expect, it } from "vitest";
import { BadCredentialsError, RateLimitedError, RemoteDownError, RemoteNotFoundError, RemoteRefusedError } from "./errors";
import { ConcurrencyLimiter, RemoteClient, backoffDelay, parseRetryAfter } from "./http";
import { startTestRemote, type TestRemote } from "./test-remote";

const SECRET = "sk-live-do-not-leak-0123456789";
let remotes: TestRemote[] = [];
afterEach(async () => {
  await Promise.all(remotes.map((r) => r.close()));
  remotes = [];
});
const remote = async (...args: Parameters<typeof startTestRemote>) => {
  const r = await startTestRemote(...args);
  remotes.push(r);
  return r;
};
const client = (url: string, extra: Partial<ConstructorParameters<typeof RemoteClient>[0]> = {}) =>
  new RemoteClient({ system: "Test", baseUrl: url, headers: () => ({ authorization: `Bearer ${SECRET}` }), backoffBaseMs: 5, backoffCapMs: 20, timeoutMs: 2000, ...extra });

describe("parseRetryAfter and backoffDelay", () => {
  it("reads seconds and HTTP dates, and ignores nonsense", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it("waits a random share of an exponential step, never above the cap", () => {
    expect(backoffDelay(0, 100, 1000, () => 0.999)).toBe(99);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(400);
    expect(backoffDelay(10, 100, 1000, () => 0.999)).toBe(999);
    expect(backoffDelay(4, 100, 1000, () => 0)).toBe(0);
  });
});

describe("ConcurrencyLimiter", () => {
  it("never lets more than max calls run at once, and runs them all", async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limiter.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return i;
        }),
      ),
    );
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(2);
    expect(limiter.inFlight).toBe(0);
  });
});

describe("RemoteClient", () => {
  it("retries a 500 and returns the answer that follows", async () => {
    const r = await remote((req) => (r.requests.length < 3 ? { status: 500, body: { error: "boom" } } : { body: { ok: true, path: req.path } }));
    expect(await client(r.url).request({ method: "GET", path: "things" })).toEqual({ ok: true, path: "/things" });
    expect(r.requests).toHaveLength(3);
  });

  it("gives up after its retries with the remote down, in words without the key", async () => {
    const r = await remote(() => ({ status: 503 }));
    const err = await client(r.url, { retries: 2 }).request({ method: "GET", path: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteDownError);
    expect(r.requests).toHaveLength(3);
    expect(JSON.stringify(err) + String(err)).not.toContain(SECRET);
  });

  it("honours Retry-After on a 429 before trying again", async () => {
    const r = await remote(() => (r.requests.length === 1 ? { status: 429, headers: { "retry-after": "1" } } : { body: { ok: 1 } }));
    expect(await client(r.url).request({ method: "POST", path: "push", body: { a: 1 } })).toEqual({ ok: 1 });
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("hands a long Retry-After back as RateLimitedError instead of waiting it out", async () => {
    const r = await remote(() => ({ status: 429, headers: { "retry-after": "120" } }));
    const err = await client(r.url).request({ method: "GET", path: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(120_000);
    expect(r.requests).toHaveLength(1);
  });

  it("times out: a read is tried again, a write is not sent twice", async () => {
    const r = await remote(() => ({ delayMs: 400, body: {} }));
    const read = await client(r.url, { timeoutMs: 100, retries: 1 }).request({ method: "GET", path: "slow" }).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(RemoteDownError);
    expect((read as Error).message).toMatch(/did not answer in time/);
    expect(r.requests.filter((q) => q.method === "GET")).toHaveLength(2);
    const write = await client(r.url, { timeoutMs: 100, retries: 3 }).request({ method: "POST", path: "slow", body: {} }).catch((e: unknown) => e);
    expect(write).toBeInstanceOf(RemoteDownError);
    expect(r.requests.filter((q) => q.method === "POST")).toHaveLength(1);
  });

  it("maps 401/403 to bad credentials and 404 to not found (only where the caller says what), without retrying", async () => {
    const r = await remote((req) => ({ status: req.path === "/gone" ? 404 : req.path === "/bad" ? 422 : 401 }));
    await expect(client(r.url).request({ method: "GET", path: "me" })).rejects.toBeInstanceOf(BadCredentialsError);
    await expect(client(r.url).request({ method: "GET", path: "gone", notFound: "person" })).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(client(r.url).request({ method: "GET", path: "gone" })).rejects.toBeInstanceOf(RemoteRefusedError);
    await expect(client(r.url).request({ method: "GET", path: "bad" })).rejects.toMatchObject({ status: 422 });
    expect(r.requests).toHaveLength(4);
  });

  it("never follows a redirect, so the key never reaches another host", async () => {
    const elsewhere = await remote(() => ({ body: { stolen: true } }));
    const r = await remote(() => ({ status: 302, headers: { location: `${elsewhere.url}/steal` } }));
    await expect(client(r.url).request({ method: "GET", path: "x" })).rejects.toBeInstanceOf(RemoteRefusedError);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("refuses an answer over the size cap and an answer that is not JSON", async () => {
    const r = await remote((req) => ({ body: req.path === "/huge" ? "x".repeat(6 * 1024 * 1024) : "<html>" }));
    await expect(client(r.url).request({ method: "GET", path: "huge" })).rejects.toBeInstanceOf(RemoteDownError);
    await expect(client(r.url).request({ method: "GET", path: "html" })).rejects.toBeInstanceOf(RemoteDownError);
  });

  it("keeps a campaign's requests within its limiter", async () => {
    let running = 0;
    let peak = 0;
    const r = await remote(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((res) => setTimeout(res, 20));
      running--;
      return { body: {} };
    });
    const c = client(r.url, { limiter: new ConcurrencyLimiter(2) });
    await Promise.all(Array.from({ length: 6 }, () => c.request({ method: "GET", path: "x" })));
    expect(peak).toBe(2);
  });

  it("cannot reach a closed port: unreachable after its retries", async () => {
    const r = await remote(() => ({}));
    const url = r.url;
    await r.close();
    remotes = [];
    await expect(client(url, { retries: 1 }).request({ method: "GET", path: "x" })).rejects.toThrow(/could not be reached/);
  });
});
