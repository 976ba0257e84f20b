"use client";

import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import { inputClass, primaryButtonClass } from "@/app/_components/ui";

type Step = "password" | "second_factor";
type Factor = "totp" | "webauthn";
/** How the second step is being met: an app code, a security key, or a recovery code. */
type Method = Factor | "recovery";

/** "second_factor_required:totp,webauthn" → the factors the person has (older servers named none: the app). */
function factorsFrom(code: string): Factor[] {
  const named = (code.split(":")[1] ?? "").split(",").filter((f): f is Factor => f === "totp" || f === "webauthn");
  return named.length > 0 ? named : ["totp"];
}

/** The sign-in error code behind a refused security-key challenge (a problem document whose type ends with it). */
async function optionsErrorCode(response: Response): Promise<string> {
  if (response.status === 429) return `rate_limited:${Date.now() + Number(response.headers.get("retry-after") ?? 60) * 1000}`;
  const body = (await response.json().catch(() => null)) as { type?: string } | null;
  return body?.type?.split(":").at(-1) ?? "invalid";
}

function messageFor(code: string, method: Method): string {
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
      if (method === "webauthn") return "That security key was not accepted. Try again with a key you added to this account, or use a recovery code.";
      if (method === "recovery") return "That recovery code did not work. Each code works once.";
      return "That code did not work. Each code works once: wait for the next one in your app, or use a recovery code.";
    case "webauthn_cancelled":
      return "The security key request was cancelled or timed out. Press the button to try again.";
    default:
      return "The email or password is not correct.";
  }
}

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [step, setStep] = useState<Step>("password");
  const [factors, setFactors] = useState<Factor[]>([]);
  const [method, setMethod] = useState<Method>("totp");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const credentials = useRef({ email: "", password: "" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (step === "password") credentials.current = { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") };
    setPending(true);
    setError(null);
    try {
      const code = await attempt(step === "second_factor" ? String(form.get("code") ?? "").trim() : "");
      if (!code) {
        router.replace(next);
        router.refresh();
        return;
      }
      if (code.startsWith("second_factor_required")) {
        const kinds = factorsFrom(code);
        setFactors(kinds);
        if (step === "password") setMethod(kinds.includes("webauthn") ? "webauthn" : "totp");
        setStep("second_factor");
        return;
      }
      setError(messageFor(code, method));
    } finally {
      setPending(false);
    }
  }

  /** One sign-in request with what this step has; null when signed in, else the error code. */
  async function attempt(code: string): Promise<string | null> {
    let second: Record<string, string> = {};
    if (step === "second_factor" && method === "webauthn") {
      // The challenge comes from re-sending the password, counted like any sign-in attempt.
      const response = await fetch("/api/auth/webauthn/sign-in-options", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentials.current),
      });
      if (!response.ok) return optionsErrorCode(response);
      const { options } = (await response.json()) as { options: PublicKeyCredentialRequestOptionsJSON };
      try {
        second = { webauthnResponse: JSON.stringify(await startAuthentication({ optionsJSON: options })) };
      } catch {
        return "webauthn_cancelled";
      }
    } else if (step === "second_factor") {
      second = method === "recovery" ? { recoveryCode: code } : { totpCode: code };
    }
    const result = await signIn("credentials", { redirect: false, ...credentials.current, ...second });
    return result?.ok && !result.error ? null : (result?.error ?? "invalid");
  }

  const switchTo = (to: Method) => () => {
    setMethod(to);
    setError(null);
  };
  const otherMethods: { to: Method; label: string }[] = [
    ...(factors.includes("webauthn") ? [{ to: "webauthn" as const, label: "Use my security key instead" }] : []),
    ...(factors.includes("totp") ? [{ to: "totp" as const, label: "Use my authenticator app instead" }] : []),
    { to: "recovery" as const, label: "Use a recovery code instead" },
  ].filter((m) => m.to !== method);

  return (
    // method=post: a submit before hydration must never put the password into the URL.
    <form onSubmit={submit} method="post" className="flex flex-col gap-4" noValidate>
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
      ) : method === "webauthn" ? (
        <div>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            Use your security key: press the button, then insert or touch the key when your browser asks.
          </p>
          <OtherMethods methods={otherMethods} onPick={switchTo} />
        </div>
      ) : (
        <div>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            {method === "recovery" ? "Enter one of your recovery codes. Each works once." : "Enter the 6-digit code from your authenticator app."}
          </p>
          <label htmlFor="code" className="block text-sm font-medium">
            {method === "recovery" ? "Recovery code" : "Authentication code"}
          </label>
          <input
            id="code"
            name="code"
            key={method}
            autoComplete="one-time-code"
            inputMode={method === "recovery" ? "text" : "numeric"}
            required
            autoFocus
            className={inputClass}
          />
          <OtherMethods methods={otherMethods} onPick={switchTo} />
        </div>
      )}
      {error && (
        <p role="alert" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {error}
        </p>
      )}
      <button type="submit" className={primaryButtonClass} disabled={pending}>
        {pending ? "Signing in…" : step === "password" ? "Sign in" : method === "webauthn" ? "Use my security key" : "Verify"}
      </button>
    </form>
  );
}

function OtherMethods({ methods, onPick }: { methods: { to: Method; label: string }[]; onPick: (to: Method) => () => void }) {
  return (
    <div className="mt-2 flex flex-col items-start gap-1">
      {methods.map((m) => (
        <button key={m.to} type="button" className="text-sm underline" onClick={onPick(m.to)}>
          {m.label}
        </button>
      ))}
    </div>
  );
}
