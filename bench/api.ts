import { randomBytes } from "node:crypto";
import type { LoadStats } from "./load";
import { fmt, markdownTable, runLoad, type Harness } from "./lib/harness";
import { closeAgents, login } from "./lib/login-client";
import { startProductionServer } from "./lib/server";

/**
 * The token API's read path against the browser's and a bare handler, in one run on one production server:
 * `GET /api/v1/contacts?limit=100` with a bearer token (token lookup, person, membership, scope, limits,
 * RLS transaction, 100 rows decrypted), the same with limit=50, the contacts page a signed-in admin sees
 * (50 rows, HTML), and `/api/bench/bare`. The campaign gets 150 contacts through the API first.
 */
const DEMO_PASSWORD = process.env.RAMPART_DEMO_PASSWORD ?? "orange-lantern-harbor-42";
const CONTACTS = 150;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const SECONDS = 5;
const ROUNDS = 2;

async function json(res: Response): Promise<Record<string, unknown>> {
  if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export const apiBench: Harness = {
  name: "api",
  async run(say) {
    // Limits high enough that the load measures the stack, not the 429 path.
    const server = await startProductionServer(say, process.cwd(), {
      RAMPART_DEMO: "1",
      RAMPART_BACKGROUND: "off",
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      API_LIMIT_PER_TOKEN: "1000000",
      API_LIMIT_PER_ADDRESS: "1000000",
    });
    try {
      const api = `${server.origin}/api/v1`;
      const issued = await json(
        await fetch(`${api}/tokens`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "admin@demo.test", password: DEMO_PASSWORD, campaign: "demo-campaign", name: "bench", scopes: ["contacts:read", "contacts:write"] }),
        }),
      );
      const auth = { authorization: `Bearer ${String(issued.token)}` };
      say(`adding ${CONTACTS} contacts through POST /api/v1/contacts…`);
      for (let i = 0; i < CONTACTS; i++)
        await json(
          await fetch(`${api}/contacts`, {
            method: "POST",
            headers: { ...auth, "content-type": "application/json", "idempotency-key": `bench-${i}` },
            body: JSON.stringify({ name: `Bench Person ${i}`, email: `bench${i}@example.org`, phone: `+4420700${String(i).padStart(5, "0")}`, tags: ["bench"] }),
          }),
        );
      const page = await json(await fetch(`${api}/contacts?limit=100`, { headers: auth }));
      if ((page.contacts as unknown[]).length !== 100) throw new Error(`expected 100 contacts on the API page, got ${(page.contacts as unknown[]).length}`);
      const signedIn = await login(server.origin, "127.0.0.1", { email: "admin@demo.test", password: DEMO_PASSWORD });
      if (!signedIn.sessionCookie) throw new Error(`could not sign in (${signedIn.error ?? signedIn.failure ?? signedIn.status})`);
      const browserUrl = `${server.origin}/o/demo-campaign/contacts`;
      const browser = await fetch(browserUrl, { headers: { cookie: signedIn.sessionCookie }, redirect: "manual" });
      if (browser.status !== 200 || !(await browser.text()).includes("Bench Person")) throw new Error(`${browserUrl} should show the contacts; got ${browser.status}`);

      say(`load: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up each, then ${ROUNDS}×${SECONDS} s per route (alternating order)…`);
      const stats = await runLoad({
        targets: [
          { name: "bare", url: `${server.origin}/api/bench/bare` },
          { name: "api100", url: `${api}/contacts?limit=100`, headers: auth },
          { name: "api50", url: `${api}/contacts?limit=50`, headers: auth },
          { name: "browser", url: browserUrl, headers: { cookie: signedIn.sessionCookie } },
        ],
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        rounds: ROUNDS,
      });
      for (const s of stats)
        if (s.non2xx > 0 || s.errors > 0 || s.responses === 0) throw new Error(`${s.url}: ${s.non2xx} non-2xx responses, ${s.errors} errors (${s.timeouts} timeouts) under load`);
      const by = (name: string) => stats.find((s) => s.name === name) as LoadStats;
      const [bare, api100, api50, page50] = [by("bare"), by("api100"), by("api50"), by("browser")];
      const row = (label: string, s: LoadStats) => [label, fmt(s.requestsPerSecond, 0), fmt(s.latencyMs.p50, 2), fmt(s.latencyMs.p95, 2), fmt(s.latencyMs.p99, 2)];
      const ratio = (a: LoadStats, b: LoadStats) => `${(a.requestsPerSecond / b.requestsPerSecond).toFixed(2)}x req/s, p95 ${(a.latencyMs.p95 / b.latencyMs.p95).toFixed(2)}x`;
      const table = [
        markdownTable(
          ["Route", "Requests/s", "p50 ms", "p95 ms", "p99 ms"],
          [
            row("bare handler (`/api/bench/bare`)", bare),
            row("`GET /api/v1/contacts?limit=100` (token)", api100),
            row("`GET /api/v1/contacts?limit=50` (token)", api50),
            row("`/o/demo-campaign/contacts` page (session, 50 rows, HTML)", page50),
          ],
        ),
        "",
        `API 100 rows vs bare: ${ratio(api100, bare)}; API 50 rows vs the browser page (50 rows): ${ratio(api50, page50)}; API 100 vs the page: ${ratio(api100, page50)}.`,
        `autocannon, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, ${ROUNDS}×${SECONDS} s per route, alternating order; \`next start\`, embedded PGlite, ${CONTACTS} contacts.`,
      ].join("\n");
      return {
        name: "api",
        table,
        ratio: `ratio: API 50 rows = ${ratio(api50, page50)} of the browser page; API 100 rows = ${ratio(api100, bare)} of bare`,
        data: { settings: { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, rounds: ROUNDS, contacts: CONTACTS }, routes: stats },
      };
    } finally {
      closeAgents();
      await server.stop();
    }
  },
};
