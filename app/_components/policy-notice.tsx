import Link from "next/link";
import { getServices } from "@/lib/services";
import { unreadPolicyVersions } from "@/lib/policies/notices";
import { policyTitles } from "@/lib/policies/registry";
import { markPoliciesReadAction } from "@/app/(public)/policies/actions";
import { ActionButton } from "./action-button";

/** For a signed-in person: the policies that changed since they joined and that they have not marked as read. */
export async function PolicyNotice({ userId }: { userId: string }) {
  const { db } = await getServices();
  const unread = await unreadPolicyVersions(db, userId);
  if (!unread.length) return null;
  return (
    <section aria-labelledby="policy-notice-title" data-testid="policy-notice" className="mb-6 rounded-md border border-brand-600/40 bg-white p-4 text-sm shadow-sm dark:bg-slate-900">
      <h2 id="policy-notice-title" className="font-semibold">
        {unread.length === 1 ? "One of our policies has changed" : "Some of our policies have changed"}
      </h2>
      <ul className="mt-2 flex flex-col gap-1">
        {unread.map((v) => (
          <li key={v.document}>
            <Link href={`/policies/${v.document}`} className="font-medium underline">
              {policyTitles[v.document]}, version {v.version}
            </Link>
            : {v.summary}
          </li>
        ))}
      </ul>
      <div className="mt-3">
        <ActionButton action={markPoliciesReadAction} label="Mark as read" announce />
      </div>
    </section>
  );
}
