import { Card, PageHeading } from "@/app/_components/ui";
import { AccountForm } from "../account-form";
import { forgotPasswordAction } from "../actions";

export const metadata = { title: "Reset your password" };

export default function ForgotPasswordPage() {
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Reset your password" lead="We will email you a single-use link that expires after 30 minutes." />
      <Card>
        <AccountForm
          action={forgotPasswordAction}
          submitLabel="Send reset link"
          fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]}
        />
      </Card>
    </div>
  );
}
