import net from "node:net";
import { WebSocketServer } from "ws";

/** A loopback WebSocket-to-TCP bridge so the Neon driver can reach a local PostgreSQL, as Neon's proxy would. */
export async function startNeonBridge(target = { host: "127.0.0.1", port: 5432 }): Promise<{ proxy: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (socket) => {
    const tcp = net.connect(target.port, target.host);
    const pending: Buffer[] = [];
    tcp.on("connect", () => {
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    socket.on("message", (data: Buffer) => (tcp.readyState === "open" ? tcp.write(data) : pending.push(data)));
    tcp.on("data", (chunk) => socket.send(chunk));
    const closeBoth = () => {
      tcp.destroy();
      socket.close();
    };
    tcp.on("error", closeBoth);
    tcp.on("close", closeBoth);
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    proxy: `127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
