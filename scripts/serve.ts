import http from "node:http";
import next from "next";
import { parseConfig } from "@/lib/config";
import { clientAddressFromHops } from "@/lib/http/forwarded";

/**
 * The production server of `npm start`: Next's request handler behind a plain HTTP server that rewrites
 * X-Forwarded-For to the one client address it can vouch for (the socket, or the hop the configured number of
 * trusted proxies saw). `next start` alone keeps a client's own header, which would let anyone pick the address
 * that per-address rate limits count.
 */
async function main(): Promise<void> {
  const config = parseConfig();
  const app = next({ dev: false, dir: process.cwd(), hostname: config.host, port: config.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = http.createServer((req, res) => {
    req.headers["x-forwarded-for"] = clientAddressFromHops(req.headers["x-forwarded-for"], req.socket.remoteAddress ?? "", config.trustedProxies);
    void handle(req, res);
  });
  server.listen(config.port, config.host, () => console.log(`- Local: http://${config.host}:${config.port}`));
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      server.close();
      void app.close().finally(() => process.exit(0));
    });
}

main().catch((err: unknown) => {
  console.error(`Server failed to start: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  process.exit(1);
});
