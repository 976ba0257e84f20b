import type { NextConfig } from "next";
import { staticSecurityHeaders } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["argon2", "pino", "prom-client"],
  // Contact sync accepts a CSV of up to 2 MB in a server action (Next's default limit is 1 MB).
  experimental: { serverActions: { bodySizeLimit: "3mb" } },
  // Types are checked by `npm run typecheck` (CI runs it before the tests); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    const headers = Object.entries(staticSecurityHeaders).map(([key, value]) => ({ key, value }));
    return [
      { source: "/_next/static/:path*", headers },
      { source: "/_next/image", headers },
      { source: "/api/bench/bare", headers },
    ];
  },
};

export default nextConfig;
