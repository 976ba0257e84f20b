import Link from "next/link";
import { Card } from "@/app/_components/ui";
import { assignableMembers } from "@/lib/contacts/assignees";
import { contactViewer } from "@/lib/contacts/visibility";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { createContactAction } from "../actions";
import { ContactForm } from "../contact-form";
import { addressFields } from "../form-input";

export const metadata = { title: "Add a contact" };

export default async function NewContactPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "contacts:write");
  const members = await access.run((tx) => assignableMembers(tx, contactViewer(access)));
  const base = `/o/${access.org.slug}/contacts`;
  return (
    <Card className="max-w-3xl">
      <p className="mb-2 text-sm">
        <Link href={base} className="underline">
          ← Contacts
        </Link>
      </p>
      <h1 className="mb-1 text-lg font-semibold">Add a contact</h1>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">Only the name is required. Everything personal is stored encrypted for this campaign.</p>
      <ContactForm action={createContactAction} org={access.org.slug} addressFields={addressFields} withTags assignees={members} submitLabel="Add contact" />
    </Card>
  );
}
