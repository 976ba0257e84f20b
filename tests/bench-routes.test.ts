import { afterEach, describe, expect, it } from "vitest";
import { GET as bareActivity } from "@/app/api/bench/bare/activity/route";
import { GET as bareFloor } from "@/app/api/bench/bare/route";
import { GET as behindMiddleware } from "@/app/api/bench/middleware/activity/route";

/**
 * The bench-only routes sit outside every guard (all but the middleware baseline outside middleware too). The floor
 * returns nothing; the feed baselines read any campaign's activity, so they must stay shut unless the bench itself
 * started the server and is the caller.
 */
const SECRET = "b".repeat(48);
const saved = { bench: process.env.RAMPART_BENCH, secret: process.env.RAMPART_BENCH_SECRET };
afterEach(() => {
  for (const [name, value] of [["RAMPART_BENCH", saved.bench], ["RAMPART_BENCH_SECRET", saved.secret]] as const)
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
});

const call = (headers: Record<string, string> = {}) =>
  bareActivity(new Request("http://127.0.0.1/api/bench/bare/activity?org=demo-campaign&as=admin%40demo.test", { headers }));
const callBehindMiddleware = (headers: Record<string, string> = {}) =>
  behindMiddleware(new Request("http://127.0.0.1/api/bench/middleware/activity?org=demo-campaign&as=admin%40demo.test", { headers }));

describe("bench-only routes", () => {
  it("answer 404 on a server not started by the bench", async () => {
    delete process.env.RAMPART_BENCH;
    process.env.RAMPART_BENCH_SECRET = SECRET;
    expect((await call({ "x-rampart-bench-secret": SECRET })).status).toBe(404);
    expect((await callBehindMiddleware({ "x-rampart-bench-secret": SECRET })).status).toBe(404);
    expect(bareFloor().status).toBe(404);
  });

  it("the feed baseline refuses a caller without the bench's secret, with a wrong one, or when the secret is short or unset", async () => {
    process.env.RAMPART_BENCH = "1";
    process.env.RAMPART_BENCH_SECRET = SECRET;
    expect((await call()).status).toBe(404);
    expect((await callBehindMiddleware()).status).toBe(404);
    expect((await call({ "x-rampart-bench-secret": "c".repeat(48) })).status).toBe(404);
    expect((await callBehindMiddleware({ "x-rampart-bench-secret": "c".repeat(48) })).status).toBe(404);
    expect((await call({ "x-rampart-bench-secret": SECRET.slice(1) })).status).toBe(404);
    process.env.RAMPART_BENCH_SECRET = "short";
    expect((await call({ "x-rampart-bench-secret": "short" })).status).toBe(404);
    delete process.env.RAMPART_BENCH_SECRET;
    expect((await call({ "x-rampart-bench-secret": "" })).status).toBe(404);
  });
});
