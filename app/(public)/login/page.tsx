import Link from "next/link";
import { AccountForm } from "@/app/_components/account-form";
import { Card, PageHeading } from "@/app/_components/ui";
import { signInAction } from "../account-actions";

export const metadata = { title: "Sign in" };

export default function LoginPage() {
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Sign in" lead="Sign in to your campaigns." />
      <Card>
        <AccountForm
          action={signInAction}
          submitLabel="Sign in"
          fields={[
            { name: "email", label: "Email", type: "email", autoComplete: "username" },
            { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
          ]}
        />
        <p className="mt-4 flex justify-between text-sm">
          <Link href="/forgot-password" className="underline">
            Forgot your password?
          </Link>
          <Link href="/signup" className="underline">
            Create an account
          </Link>
        </p>
      </Card>
    </div>
  );
}
