/**
 * The client's address for a request that reached us over `socketAddress`, trusting exactly `trustedProxies`
 * proxies in front of us: each trusted proxy appended one hop to X-Forwarded-For, so the client is the hop just
 * before them. With no trusted proxy the socket is the client, whatever the request claims.
 */
export function clientAddressFromHops(forwardedFor: string | string[] | undefined, socketAddress: string, trustedProxies: number): string {
  const claimed = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  const hops = [...claimed, socketAddress];
  return hops[Math.max(0, hops.length - 1 - trustedProxies)] ?? socketAddress;
}
