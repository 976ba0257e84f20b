import Link from "next/link";
import { redirect } from "next/navigation";
import { Card, PageHeading } from "@/app/_components/ui";
import { getCurrentSession } from "@/lib/auth/current";
import { safeReturnPath } from "@/lib/http/redirects";
import { LoginForm } from "./login-form";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeReturnPath(typeof params.next === "string" ? params.next : null);
  if (await getCurrentSession()) redirect(next);
  return (
    <div className="mx-auto max-w-md">
      <PageHeading title="Sign in" lead="Sign in to your campaigns." />
      <Card>
        <LoginForm next={next} />
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
