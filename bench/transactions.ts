import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Harness } from "./lib/harness";
import { closeAgents, login } from "./lib/login-client";
import { startProductionServer } from "./lib/server";

/**
 * Database transactions per page view: a production server with the demo data and RAMPART_BENCH=1 (which
 * counts every transaction the process opens), no background chores; each page is requested alone, as a
 * signed-in person, and the counter read before and after. `--root=DIR` measures another checkout (a
 * "before" of the same pages), which needs the counter route too.
 */
const DEMO_PASSWORD = process.env.RAMPART_DEMO_PASSWORD ?? "orange-lantern-harbor-42";
const ORG = "/o/demo-campaign";

type Row = { who: string; page: string; status: number; transactions: number };

async function counter(origin: string): Promise<number> {
  const res = await fetch(`${origin}/api/bench/transactions`);
  if (!res.ok) throw new Error(`GET /api/bench/transactions answered ${res.status}: this checkout has no transaction counter`);
  return ((await res.json()) as { transactions: number }).transactions;
}

async function view(origin: string, cookie: string, page: string): Promise<{ status: number; transactions: number; html: string }> {
  const before = await counter(origin);
  const res = await fetch(`${origin}${page}`, { headers: { cookie }, redirect: "manual" });
  const html = await res.text();
  return { status: res.status, transactions: (await counter(origin)) - before, html };
}

async function measure(say: (line: string) => void, root: string): Promise<Row[]> {
  // The middleware verifies sessions with AUTH_SECRET from its environment (npm start exports the generated one; next start alone does not).
  const server = await startProductionServer(say, root, { RAMPART_DEMO: "1", RAMPART_BACKGROUND: "off", AUTH_SECRET: randomBytes(32).toString("base64url") });
  try {
    const rows: Row[] = [];
    const as = async (email: string, pages: (first: string) => string[]) => {
      const signedIn = await login(server.origin, "127.0.0.1", { email, password: DEMO_PASSWORD });
      if (!signedIn.sessionCookie) throw new Error(`could not sign in as ${email} (${signedIn.error ?? signedIn.failure ?? signedIn.status})`);
      const contacts = await view(server.origin, signedIn.sessionCookie, `${ORG}/contacts`);
      const firstContact = /\/o\/demo-campaign\/contacts\/([0-9a-f-]{36})/.exec(contacts.html)?.[1] ?? "none";
      for (const page of pages(firstContact)) {
        // Twice: the first view of a page may warm caches (keys, compiled queries); the second is the steady state.
        await view(server.origin, signedIn.sessionCookie, page);
        const { status, transactions } = await view(server.origin, signedIn.sessionCookie, page);
        rows.push({ who: email.split("@")[0]!, page: page.replace(ORG, "/o/[org]").replace(firstContact, "[id]"), status, transactions });
      }
    };
    await as("admin@demo.test", (id) => [ORG, `${ORG}/contacts`, `${ORG}/contacts/${id}`, `${ORG}/actions`, `${ORG}/activity`, `${ORG}/volunteers`, `${ORG}/reports`, `${ORG}/deletion-requests`, "/orgs", "/settings/security"]);
    await as("owner@demo.test", () => [`${ORG}/settings`]);
    await as("volunteer@demo.test", (id) => [ORG, `${ORG}/contacts`, `${ORG}/contacts/${id}`, `${ORG}/actions`, `${ORG}/reports`]);
    return rows;
  } finally {
    closeAgents();
    await server.stop();
  }
}

export const transactionsBench: Harness = {
  name: "transactions",
  async run(say) {
    const rootArg = process.argv.find((a) => a.startsWith("--root="))?.slice("--root=".length);
    const root = rootArg ? path.resolve(rootArg) : process.cwd();
    const rows = await measure(say, root);
    const table = ["| who | page | status | transactions |", "|---|---|---|---|", ...rows.map((r) => `| ${r.who} | ${r.page} | ${r.status} | ${r.transactions} |`)].join("\n");
    const campaignPages = rows.filter((r) => r.page.startsWith("/o/"));
    const mean = campaignPages.reduce((n, r) => n + r.transactions, 0) / Math.max(1, campaignPages.length);
    return { name: "transactions", table, ratio: `ratio: ${mean.toFixed(1)} transactions per campaign page view on average (${root === process.cwd() ? "this checkout" : root})`, data: rows };
  },
};
