import Link from "next/link";
import { Card, PageHeading } from "@/app/_components/ui";
import { AccountForm } from "../account-form";
import { signUpAction } from "../actions";

export const metadata = { title: "Create an account" };

export default function SignupPage() {
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Create an account" lead="Long passphrases are welcome; there are no rules about symbols or digits." />
      <Card>
        <AccountForm
          action={signUpAction}
          submitLabel="Create account"
          fields={[
            { name: "name", label: "Your name", autoComplete: "name" },
            { name: "email", label: "Email", type: "email", autoComplete: "email" },
            {
              name: "password",
              label: "Password",
              type: "password",
              autoComplete: "new-password",
              hint: "At least 10 characters. Several unrelated words are easy to remember and hard to guess.",
            },
          ]}
        />
        <p className="mt-4 text-sm">
          Already have an account?{" "}
          <Link href="/login" className="underline">
            Sign in
          </Link>
        </p>
      </Card>
    </div>
  );
}
