import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A remote system for tests: a real HTTP server on loopback whose answers the test writes, recording every request
 * (method, path, query, headers, parsed body, arrival time) so a test can check exactly what Rampart sent.
 */
export type RecordedRequest = { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: unknown; raw: string; at: number };
export type RemoteAnswer = { status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number };
export type TestRemote = { url: string; requests: RecordedRequest[]; close(): Promise<void> };

export async function startTestRemote(answer: (req: RecordedRequest) => RemoteAnswer | Promise<RemoteAnswer>, port = 0): Promise<TestRemote> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://remote.test");
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const recorded: RecordedRequest = { method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, body, raw, at: Date.now() };
      requests.push(recorded);
      void Promise.resolve(answer(recorded)).then(async (a) => {
        if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
        if (res.destroyed) return;
        const text = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status ?? 200, { "content-type": "application/json", ...a.headers });
        res.end(text);
      });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
