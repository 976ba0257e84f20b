import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading } from "@/app/_components/ui";
import { forgotPasswordAction } from "../actions";

export const metadata = { title: "Reset your password" };

export default function ForgotPasswordPage() {
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Reset your password" lead="We will email you a single-use link that expires after 30 minutes." />
      <Card>
        <ActionForm
          action={forgotPasswordAction}
          submitLabel="Send reset link"
          fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]}
          success={(state) => (
            <p role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
              {state.message}
            </p>
          )}
        />
      </Card>
    </div>
  );
}
