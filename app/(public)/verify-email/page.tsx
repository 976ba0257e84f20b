import { Card, PageHeading } from "@/app/_components/ui";
import { AccountForm } from "../account-form";
import { verifyEmailAction } from "../actions";

export const metadata = { title: "Confirm your email" };

/** Confirmation is a button, not the GET itself, so mail scanners that open links cannot use up the token. */
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Confirm your email" />
      <Card>
        {typeof token === "string" ? (
          <AccountForm
            action={verifyEmailAction}
            hidden={{ token }}
            submitLabel="Confirm my email address"
            fields={[]}
            successLink={{ href: "/login", label: "Sign in" }}
          />
        ) : (
          <p>This page needs the link from your email.</p>
        )}
      </Card>
    </div>
  );
}
