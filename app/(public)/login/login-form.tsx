"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import { inputClass, primaryButtonClass } from "@/app/_components/ui";

type Step = "password" | "second_factor";

function messageFor(code: string): string {
  if (code.startsWith("rate_limited")) {
    const at = Number(code.split(":")[1]);
    const when = at ? new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "a few minutes from now";
    return `Too many sign-in attempts. For your safety, please wait until ${when} and try again — or reset your password to get back in now.`;
  }
  switch (code) {
    case "unverified":
      return "Please confirm your email address first. We have just sent you a new link.";
    case "disabled":
      return "This account cannot sign in at the moment. Please contact your campaign's administrator.";
    case "second_factor_failed":
      return "That code did not work. Each code works once: wait for the next one in your app, or use a recovery code.";
    default:
      return "The email or password is not correct.";
  }
}

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [step, setStep] = useState<Step>("password");
  const [useRecovery, setUseRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const credentials = useRef({ email: "", password: "" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (step === "password") credentials.current = { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") };
    setPending(true);
    setError(null);
    const second = step === "second_factor" ? String(form.get("code") ?? "").trim() : "";
    const result = await signIn("credentials", {
      redirect: false,
      ...credentials.current,
      ...(second ? (useRecovery ? { recoveryCode: second } : { totpCode: second }) : {}),
    });
    setPending(false);
    if (result?.ok && !result.error) {
      router.replace(next);
      router.refresh();
      return;
    }
    const code = result?.error ?? "invalid";
    if (code === "second_factor_required") {
      setStep("second_factor");
      return;
    }
    setError(messageFor(code));
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      {step === "password" ? (
        <>
          <div>
            <label htmlFor="email" className="block text-sm font-medium">
              Email
            </label>
            <input id="email" name="email" type="email" autoComplete="username" required className={inputClass}/>
          </div>
          <div>
            <label htmlFor="password" className="block text-sm font-medium">
              Password
            </label>
            <input id="password" name="password" type="password" autoComplete="current-password" required className={inputClass} />
          </div>
        </>
      ) : (
        <div>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            {useRecovery ? "Enter one of your recovery codes. Each works once." : "Enter the 6-digit code from your authenticator app."}
          </p>
          <label htmlFor="code" className="block text-sm font-medium">
            {useRecovery ? "Recovery code" : "Authentication code"}
          </label>
          <input
            id="code"
            name="code"
            key={useRecovery ? "recovery" : "totp"}
            autoComplete="one-time-code"
            inputMode={useRecovery ? "text" : "numeric"}
            required
            autoFocus
            className={inputClass}
          />
          <button type="button" className="mt-2 text-sm underline" onClick={() => setUseRecovery((v) => !v)}>
            {useRecovery ? "Use my authenticator app instead" : "Use a recovery code instead"}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {error}
        </p>
      )}
      <button type="submit" className={primaryButtonClass} disabled={pending}>
        {pending ? "Signing in…" : step === "password" ? "Sign in" : "Verify"}
      </button>
    </form>
  );
}
