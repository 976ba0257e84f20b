import { checkLiveness } from "@/lib/health";
import { publicRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = publicRoute(async () => Response.json(checkLiveness(), { headers: { "cache-control": "no-store" } }));
