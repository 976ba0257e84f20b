import Link from "next/link";
import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading } from "@/app/_components/ui";
import { resetPasswordAction } from "../actions";

export const metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Choose a new password" lead="Every session of your account will be signed out." />
      <Card>
        {typeof token === "string" ? (
          <ActionForm
            action={resetPasswordAction}
            hidden={{ token }}
            submitLabel="Set new password"
            fields={[{ name: "password", label: "New password", type: "password", autoComplete: "new-password", hint: "At least 10 characters; a passphrase is best." }]}
            success={(state) => (
              <p role="status" className="text-sm">
                {state.message}{" "}
                <Link href="/login" className="underline">
                  Sign in
                </Link>
              </p>
            )}
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
