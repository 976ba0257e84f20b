"use client";

import Link from "next/link";
import { ActionForm, type Field } from "@/app/_components/forms";
import type { FormState } from "@/lib/http/action";

/**
 * ActionForm for the account pages, which are server components: a server component cannot pass
 * ActionForm's `success` render function across to the client (React refuses to serialise
 * functions), so the success view is chosen here from plain props instead.
 */
export function AccountForm({
  action,
  fields,
  submitLabel,
  hidden,
  successLink,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  fields: Field[];
  submitLabel: string;
  hidden?: Record<string, string>;
  /** Shown after the message on success (e.g. "Sign in"); without it the message stands alone in a box. */
  successLink?: { href: string; label: string };
}) {
  return (
    <ActionForm
      action={action}
      fields={fields}
      submitLabel={submitLabel}
      hidden={hidden}
      success={(state) =>
        successLink ? (
          <p role="status" className="text-sm">
            {state.message}{" "}
            <Link href={successLink.href} className="underline">
              {successLink.label}
            </Link>
          </p>
        ) : (
          <p role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
            {state.message}
          </p>
        )
      }
    />
  );
}
