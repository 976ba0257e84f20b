import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { getSessionClaims, requireSession } from "@/lib/auth/current";
import { enrolledSecondFactors } from "@/lib/auth/sign-in";
import { hasTotp } from "@/lib/auth/totp";
import { hasSecurityKeys } from "@/lib/auth/webauthn";
import { getServices } from "@/lib/services";
import type { ValidSession } from "@/lib/auth/sessions";
import type { Transaction } from "@/lib/db";
import { sessionAction, type FormState } from "@/lib/http/action";
import { problemResponse } from "@/lib/http/problem";
import { publicRoute } from "@/lib/http/route";
import { authorize, resolveOrgMembership, resolveSessionInCampaign, withSessionInCampaign, type AccessDecision, type SessionInCampaign, type Needed, type OrgAccess, type Viewer } from "./access";

const resourceOf = (needed: Needed) => (typeof needed === "string" ? needed : needed[0]!).split(":")[0]!.replace(/[^a-z_]/g, "_");

/** Whether the person has a second factor, asked at most once per request and only when a campaign's policy needs it. */
const hasSecondFactor = cache(async (userId: string) => {
  const { db } = await getServices();
  return (await enrolledSecondFactors(db, userId)).length > 0;
});

/**
 * This request's standing in one campaign (organisation, membership or grant, settings), resolved once:
 * React's cache keys on the slug string, so the layout, the page and an action asking again reuse it.
 */
const standingInCampaign = cache(async (userId: string, isStaff: boolean, slug: string) => {
  const { db } = await getServices();
  const viewer: Viewer = { id: userId, isStaff, hasSecondFactor: () => hasSecondFactor(userId) };
  return { viewer, resolved: await resolveOrgMembership(db, viewer, slug) };
});

/** The guard chain after the session, for one permission: the standing above, then the permission table and the 2FA policy. */
async function decide(session: ValidSession, slug: string, permission: Needed): Promise<AccessDecision> {
  const { viewer, resolved } = await standingInCampaign(session.user.id, session.user.isStaff, slug);
  return authorize(resolved, viewer, permission);
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
export async function requireOrgAccess(slug: string, permission: Needed, options: { recordSupportUse?: boolean } = {}): Promise<OrgAccess> {
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
}

/** A step that runs once the action's transaction has committed (a redirect, a new session cookie, a background start); a FormState it returns becomes the answer. */
export type AfterCommitStep = () => Promise<FormState | void> | FormState | void;
export type OrgActionContext = { access: OrgAccess; tx: Transaction; session: ValidSession; requestId: string; afterCommit(step: AfterCommitStep): void };

const campaignField = z.object({ org: z.string().max(64) }).loose();

/**
 * For campaign server actions: the form names the campaign in `org`; the guard runs before the input
 * is parsed, the body runs in one tenant transaction for this person (so RLS checks them again), and
 * what must wait for the commit is registered with `afterCommit`.
 */
export function orgAction<S extends z.ZodType, P = undefined>(
  permission: Needed,
  schema: S,
  body: (input: z.output<S>, ctx: OrgActionContext & { prepared: P }) => Promise<FormState>,
  options: {
    /** Work after the guard and before the transaction (a call to another system): no database connection is held meanwhile. */
    prepare?: (input: z.output<S>, access: OrgAccess) => Promise<P>;
  } = {},
) {
  return sessionAction(campaignField, async (raw, { session, requestId }) => {
    const decision = await decide(session, raw.org, permission);
    if (!decision.ok) return { message: "This campaign is not available to you." };
    const input = schema.parse(raw);
    const prepared = options.prepare ? await options.prepare(input, decision.access) : (undefined as P);
    const steps: AfterCommitStep[] = [];
    let result = await decision.access.run((tx) =>
      body(input, { access: decision.access, tx, session, requestId, prepared, afterCommit: (step) => void steps.push(step) }),
    );
    for (const step of steps) result = (await step()) ?? result;
    return result;
  });
}

type OrgRouteContext<P> = { access: OrgAccess; params: P; requestId: string };

/**
 * For campaign route handlers (/api/o/[org]/…): the same chain; refusals are 404 problem+json. The
 * route's other parameters are parsed with `params` first: a malformed id is a 404 like an invisible one.
 * The session row and the standing in the campaign are one read (resolveSessionInCampaign). `oneTransaction`
 * (read routes whose handler reaches the database only through `access.run`): that read and the handler's
 * work share one transaction (withSessionInCampaign).
 */
export function orgRoute<P extends z.ZodType = z.ZodObject<Record<string, never>>>(
  permission: Needed,
  handler: (request: Request, ctx: OrgRouteContext<z.output<P>>) => Promise<Response>,
  options: { params?: P; oneTransaction?: boolean } = {},
) {
  return publicRoute<{ org: string } & Record<string, string>>(async (request, { params, requestId }) => {
    const claims = await getSessionClaims();
    if (!claims) return problemResponse({ status: 401, title: "Sign in required", requestId });
    const { db, policy } = await getServices();
    const answer = async ({ session, resolved, tx }: SessionInCampaign & { tx?: Transaction }): Promise<Response> => {
      if (!session) return problemResponse({ status: 401, title: "Sign in required", requestId });
      const userId = session.user.id;
      // In the shared transaction one query after the other (enrolledSecondFactors asks both at once).
      const factors = tx ? async () => (await hasTotp(tx, userId)) || (await hasSecurityKeys(tx, userId)) : () => hasSecondFactor(userId);
      const decision = await authorize(resolved, { hasSecondFactor: factors }, permission);
      if (!decision.ok) {
        if (decision.reason === "suspended") return problemResponse({ status: 403, title: "This campaign is suspended", requestId });
        if (decision.reason === "second_factor_required") return problemResponse({ status: 403, title: "This campaign requires two-step verification", requestId });
        return problemResponse({ status: 404, title: "Not found", requestId });
      }
      const parsed = (options.params ?? z.object({})).safeParse(Object.fromEntries(Object.entries(params).filter(([name]) => name !== "org")));
      if (!parsed.success) return problemResponse({ status: 404, title: "Not found", requestId });
      await recordSupportUse(decision.access, permission);
      return handler(request, { access: decision.access, params: parsed.data as z.output<P>, requestId });
    };
    if (options.oneTransaction) return withSessionInCampaign(db, claims, params.org, policy, answer);
    return answer(await resolveSessionInCampaign(db, claims, params.org, policy));
  });
}
