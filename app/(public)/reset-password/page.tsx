import Link from "next/link";
import { Card, PageHeading } from "@/app/_components/ui";
import { AccountForm } from "../account-form";
import { resetPasswordAction } from "../actions";

export const metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Choose a new password" lead="Every session of your account will be signed out." />
      <Card>
        {typeof token === "string" ? (
          <AccountForm
            action={resetPasswordAction}
            hidden={{ token }}
            submitLabel="Set new password"
            fields={[{ name: "password", label: "New password", type: "password", autoComplete: "new-password", hint: "At least 10 characters; a passphrase is best." }]}
            successLink={{ href: "/login", label: "Sign in" }}
          />
        ) : (
          <p>
            This page needs the link from your email.{" "}
            <Link href="/forgot-password" className="underline">
              Ask for a new link
            </Link>
          </p>
        )}
      </Card>
    </div>
  );
}
