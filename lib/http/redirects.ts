/** Only same-site paths may be a post-login destination: no scheme, no host, no protocol-relative //. */
export function safeReturnPath(value: string | null | undefined, fallback = "/orgs"): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\") || value.length > 500) return fallback;
  try {
    const url = new URL(value, "http://rampart.invalid");
    return url.host === "rampart.invalid" ? url.pathname + url.search : fallback;
  } catch {
    return fallback;
  }
}
