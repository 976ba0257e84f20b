import http from "node:http";

/**
 * A browser's password sign-in through next-auth, over plain node:http so that each simulated client
 * can use its own loopback source address (the server keys its per-address limit on it):
 * GET /api/auth/csrf (token + cookie), then POST /api/auth/callback/credentials.
 */
export type LoginAttempt = {
  /** Epoch ms when the attempt began (comparable across processes). */
  startedAt: number;
  /** Wall time of both round trips. */
  ms: number;
  /** Wall time of the credentials POST alone (where the password is checked). */
  postMs: number;
  /** Status of the credentials POST (0 when it never answered). */
  status: number;
  /** The response set a non-empty session cookie. */
  signedIn: boolean;
  /** The session cookie pair ("name=value") when signed in, for requests made as this person. */
  sessionCookie?: string;
  /** next-auth's error code from the answer (invalid, rate_limited:…), if any. */
  error?: string;
  /** The device cookie pair the answer set (a successful sign-in leaves one), for the next sign-in from this browser. */
  deviceCookie?: string;
  failure?: string;
};

export type CsrfPair = { token: string; cookie: string };

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Only loopback: the bench never sends a login anywhere else. */
export function assertLoopback(origin: string, localAddress: string): URL {
  const url = new URL(origin);
  if (url.hostname !== "127.0.0.1") throw new Error(`login bench targets 127.0.0.1 only, not ${url.hostname}`);
  if (!LOOPBACK_V4.test(localAddress)) throw new Error(`source address ${localAddress} is not in 127.0.0.0/8`);
  return url;
}

const agents = new Map<string, http.Agent>();
function agentFor(localAddress: string): http.Agent {
  let agent = agents.get(localAddress);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    agents.set(localAddress, agent);
  }
  return agent;
}

export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

type Answer = { status: number; setCookies: string[]; body: string };

function send(origin: URL, path: string, localAddress: string, timeoutMs: number, init: { method: "GET" | "POST"; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        protocol: origin.protocol,
        hostname: origin.hostname,
        port: origin.port,
        path,
        method: init.method,
        agent: agentFor(localAddress),
        localAddress,
        headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) rampart-login-bench", accept: "application/json", ...init.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, setCookies: res.headers["set-cookie"] ?? [], body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

const cookiePair = (setCookie: string) => setCookie.split(";")[0]!.trim();

export async function fetchCsrf(origin: string, localAddress: string, timeoutMs = 30_000): Promise<CsrfPair> {
  const res = await send(assertLoopback(origin, localAddress), "/api/auth/csrf", localAddress, timeoutMs, { method: "GET" });
  const token = (JSON.parse(res.body) as { csrfToken?: string }).csrfToken;
  const cookie = res.setCookies.map(cookiePair).find((c) => /^(__Host-)?rampart-auth-csrf=/.test(c));
  if (res.status !== 200 || !token || !cookie) throw new Error(`GET /api/auth/csrf answered ${res.status} without a token and cookie`);
  return { token, cookie };
}

export async function postCredentials(
  origin: string,
  localAddress: string,
  csrf: CsrfPair,
  credentials: { email: string; password: string },
  timeoutMs = 30_000,
  deviceCookie?: string,
): Promise<Omit<LoginAttempt, "startedAt" | "ms" | "postMs">> {
  const body = new URLSearchParams({ csrfToken: csrf.token, email: credentials.email, password: credentials.password, json: "true" }).toString();
  const res = await send(assertLoopback(origin, localAddress), "/api/auth/callback/credentials", localAddress, timeoutMs, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(Buffer.byteLength(body)),
      cookie: deviceCookie ? `${csrf.cookie}; ${deviceCookie}` : csrf.cookie,
    },
    body,
  });
  const session = res.setCookies.find((c) => /^(__Host-)?rampart-session=[^;]+/.test(cookiePair(c)) && !/max-age=0|expires=thu, 01 jan 1970/i.test(c));
  const signedIn = session !== undefined;
  let error: string | undefined;
  try {
    const url = (JSON.parse(res.body) as { url?: string }).url;
    error = url ? (new URL(url, origin).searchParams.get("error") ?? undefined) : undefined;
  } catch {
    error = undefined;
  }
  const device = res.setCookies.map(cookiePair).find((c) => /^(__Host-)?rampart-device=[^;]+/.test(c));
  return { status: res.status, signedIn, sessionCookie: session && cookiePair(session), error, deviceCookie: device };
}

/** One complete sign-in as a browser does it (fresh CSRF pair each time, the device cookie if it has one), timed. */
export async function login(
  origin: string,
  localAddress: string,
  credentials: { email: string; password: string },
  timeoutMs = 30_000,
  deviceCookie?: string,
): Promise<LoginAttempt> {
  const startedAt = Date.now();
  const t0 = performance.now();
  let t1 = t0;
  try {
    const csrf = await fetchCsrf(origin, localAddress, timeoutMs);
    t1 = performance.now();
    const result = await postCredentials(origin, localAddress, csrf, credentials, timeoutMs, deviceCookie);
    const end = performance.now();
    return { startedAt, ms: end - t0, postMs: end - t1, ...result };
  } catch (err) {
    const end = performance.now();
    return { startedAt, ms: end - t0, postMs: end - t1, status: 0, signedIn: false, failure: err instanceof Error ? err.message : String(err) };
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
