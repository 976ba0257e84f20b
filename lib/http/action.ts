import "server-only";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { RuleError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { requireSession } from "@/lib/auth/current";
import type { ValidSession } from "@/lib/auth/sessions";

/** What every form action returns: a message, field errors, and the values to put back (never passwords). */
export type FormState = {
  ok?: boolean;
  message?: string;
  fieldErrors?: Record<string, string>;
  values?: Record<string, string>;
  /** Extra result for the page, e.g. a QR code or recovery codes shown once. */
  data?: Record<string, unknown>;
};

type Ctx = { headers: Headers; requestId: string };

function echo(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form.entries())
    if (typeof value === "string" && !/password|code|token|secret|apikey/i.test(key) && !key.startsWith("$")) out[key] = value.slice(0, 500);
  return out;
}

/** Zod issues keyed by the form's input names: the innermost named segment (address.city → city, tags.2 → tags). */
function fieldErrors(err: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.filter((segment) => typeof segment === "string").at(-1) ?? "form";
    out[key] ??= issue.message;
  }
  return out;
}

/** What a form shows for a refusal (a rule, or input that fails its schema); null for anything else, which is ours to log. */
export function formStateFromError(err: unknown): FormState | null {
  if (err instanceof RuleError) return { message: err.message, fieldErrors: err.fieldErrors };
  if (err instanceof z.ZodError) return { fieldErrors: fieldErrors(err), message: "Please correct the highlighted fields." };
  return null;
}

async function run(form: FormData, body: (ctx: Ctx) => Promise<FormState>): Promise<FormState> {
  const h = await headers();
  const requestId = h.get("x-request-id") ?? crypto.randomUUID();
  // Stays "navigated" when the body ends in a redirect or notFound, which Next throws.
  let outcome: "completed" | "refused" | "error" | "navigated" = "navigated";
  try {
    const result = await body({ headers: h, requestId });
    outcome = "completed";
    return { values: result.ok ? undefined : echo(form), ...result };
  } catch (err) {
    unstable_rethrow(err); // redirects and notFound belong to Next
    const refused = formStateFromError(err);
    if (refused) {
      outcome = "refused";
      return { ...refused, values: echo(form) };
    }
    outcome = "error";
    logger.error({ err, requestId }, "form action failed");
    return { message: `Something went wrong on our side (reference ${requestId.slice(0, 8)}). Nothing was changed; please try again.`, values: echo(form) };
  } finally {
    metrics().formActions.inc({ outcome });
    logger.debug({ requestId, outcome }, "form action");
  }
}

/** An action anyone may call (sign-up, reset): parse with the schema, then the body. Next checks Origin for actions. */
export function publicAction<S extends z.ZodType>(schema: S, body: (input: z.output<S>, ctx: Ctx) => Promise<FormState>) {
  return async (_prev: FormState, form: FormData): Promise<FormState> =>
    run(form, async (ctx) => body(schema.parse(Object.fromEntries(form.entries())), ctx));
}

/** An action for a signed-in person: the session row is checked before the input is even parsed. */
export function sessionAction<S extends z.ZodType>(schema: S, body: (input: z.output<S>, ctx: Ctx & { session: ValidSession }) => Promise<FormState>) {
  return async (_prev: FormState, form: FormData): Promise<FormState> =>
    run(form, async (ctx) => {
      const session = await requireSession("/settings/security");
      return body(schema.parse(Object.fromEntries(form.entries())), { ...ctx, session });
    });
}
