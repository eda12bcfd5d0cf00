// A relay on 127.0.0.1 that presents `client` as the connecting address to the server at
// `port` with a PROXY v1 header: real clients appear to come from public IPv4/IPv6 addresses.
import net from "node:net";

export async function proxyRelay(port: number, client: string, cleanup: (fn: () => void) => void): Promise<number> {
  const v6 = client.includes(":");
  const header = `PROXY ${v6 ? "TCP6" : "TCP4"} ${client} ${v6 ? "2001:db8::25" : "192.0.2.25"} 40000 ${port}\r\n`;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(port, "127.0.0.1", () => {
      up.write(header);
      down.pipe(up).pipe(down);
    });
    for (const socket of [up, down]) {
      sockets.add(socket);
      socket.on("error", () => (socket === up ? down : up).destroy());
      socket.on("close", () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup(() => {
    server.close();
    for (const socket of sockets) socket.destroy();
  });
  return (server.address() as net.AddressInfo).port;
}
