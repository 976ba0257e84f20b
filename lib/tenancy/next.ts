import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { getCurrentSession, requireSession } from "@/lib/auth/current";
import { enrolledSecondFactors } from "@/lib/auth/sign-in";
import { getAuthRuntime } from "@/lib/auth/runtime";
import type { ValidSession } from "@/lib/auth/sessions";
import type { Transaction } from "@/lib/db";
import { sessionAction, type FormState } from "@/lib/http/action";
import { problemResponse } from "@/lib/http/problem";
import { publicRoute, HttpError } from "@/lib/http/route";
import { resolveOrgAccess, type AccessDecision, type Needed, type OrgAccess } from "./guard";

const resourceOf = (needed: Needed) => (typeof needed === "string" ? needed : needed[0]!).split(":")[0]!.replace(/[^a-z_]/g, "_");

/** The guard for a session already checked (by sessionAction): for actions that must act after their transaction. */
export async function decide(session: ValidSession, slug: string, permission: Needed): Promise<AccessDecision> {
  const { db } = await getAuthRuntime();
  return resolveOrgAccess(
    db,
    { id: session.user.id, isStaff: session.user.isStaff, hasSecondFactor: async () => (await enrolledSecondFactors(db, session.user.id)).length > 0 },
    slug,
    permission,
  );
}

/** Every read by staff under a support grant shows in the campaign's activity feed. */
async function recordSupportUse(access: OrgAccess, permission: Needed): Promise<void> {
  if (access.role !== "support") return;
  const requestId = (await headers()).get("x-request-id");
  await access.run((tx) =>
    recordAuditEvent(tx, {
      orgId: access.org.id,
      actor: { kind: "staff", id: access.userId },
      action: "support_access.used",
      metadata: { resource: resourceOf(permission) },
      requestId,
    }),
  );
}

/**
 * For campaign pages: session → organisation → membership or grant → permission → 2FA policy.
 * Anything short of access is a 404 (slugs are not enumerable); a suspended campaign shows its notice.
 */
export const requireOrgAccess = cache(async (slug: string, permission: Needed, options: { recordSupportUse?: boolean } = {}): Promise<OrgAccess> => {
  const session = await requireSession(`/o/${slug}`);
  const decision = await decide(session, slug, permission);
  if (!decision.ok) {
    if (decision.reason === "suspended") redirect(`/suspended?org=${encodeURIComponent(slug)}`);
    if (decision.reason === "second_factor_required") redirect(`/settings/security?required_by=${encodeURIComponent(slug)}`);
    notFound();
  }
  // The layout checks too but leaves recording to the page, so one visit is one feed entry.
  if (options.recordSupportUse !== false) await recordSupportUse(decision.access, permission);
  return decision.access;
});

export type OrgActionContext = { access: OrgAccess; tx: Transaction; session: ValidSession; requestId: string };

/**
 * For campaign server actions: the form names the campaign in `org`; the guard runs before the input
 * is parsed, and the body runs in one tenant transaction for this person (so RLS checks them again).
 */
export function orgAction<S extends z.ZodType>(permission: Needed, schema: S, body: (input: z.output<S>, ctx: OrgActionContext) => Promise<FormState>) {
  return sessionAction(z.object({ org: z.string().max(64) }).loose(), async (raw, { session, requestId }) => {
    const decision = await decide(session, raw.org, permission);
    if (!decision.ok) return { message: "This campaign is not available to you." };
    const input = schema.parse(raw);
    return decision.access.run((tx) => body(input, { access: decision.access, tx, session, requestId }));
  });
}

type OrgRouteHandler = (request: Request, ctx: { access: OrgAccess; requestId: string }) => Promise<Response>;

/** For campaign route handlers (/api/o/[org]/…): the same chain; refusals are 404 problem+json. */
export function orgRoute(permission: Needed, handler: OrgRouteHandler) {
  return publicRoute<{ org: string }>(async (request, { params, requestId }) => {
    const session = await getCurrentSession();
    if (!session) return problemResponse({ status: 401, title: "Sign in required", requestId });
    const decision = await decide(session, params.org, permission);
    if (!decision.ok) {
      if (decision.reason === "suspended") throw new HttpError(403, "This campaign is suspended");
      if (decision.reason === "second_factor_required") throw new HttpError(403, "This campaign requires two-step verification");
      return problemResponse({ status: 404, title: "Not found", requestId });
    }
    await recordSupportUse(decision.access, permission);
    return handler(request, { access: decision.access, requestId });
  });
}
