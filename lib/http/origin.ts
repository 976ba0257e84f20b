/**
 * CSRF defence for state-changing route handlers: a browser request must come from our own origin.
 * Origin is compared with the public URL and with the Host the browser addressed; requests from
 * non-browser clients (no Origin, no Sec-Fetch-Site) carry no ambient cookies worth forging.
 */
export function isSameOriginRequest(headers: Headers, appUrl: string): boolean {
  const origin = headers.get("origin");
  if (origin) {
    if (origin === "null") return false;
    const app = new URL(appUrl);
    if (origin === app.origin) return true;
    try {
      // Same scheme as the public URL: an http:// page on our host must not post to the https app.
      const from = new URL(origin);
      return from.protocol === app.protocol && from.host === headers.get("host");
    } catch {
      return false;
    }
  }
  const site = headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}
