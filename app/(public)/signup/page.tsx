import Link from "next/link";
import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading } from "@/app/_components/ui";
import { signUpAction } from "../actions";

export const metadata = { title: "Create an account" };

export default function SignupPage() {
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Create an account" lead="Long passphrases are welcome; there are no rules about symbols or digits." />
      <Card>
        <ActionForm
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
          success={(state) => (
            <p role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
              {state.message}
            </p>
          )}
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
