"use client";

import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { ConsentState } from "@/lib/privacy/consent-policy";
import type { Theme } from "@/lib/privacy/preferences";

type ConsentContextValue = {
  consent: ConsentState | null;
  theme: Theme;
  bannerOpen: boolean;
  openBanner(): void;
  choose(body: { choice: "accept_all" | "reject_all" } | { choice: "custom"; categories: { preferences: boolean } }): Promise<void>;
  setTheme(theme: Theme): Promise<void>;
};

const ConsentContext = createContext<ConsentContextValue | null>(null);

function useConsent(): ConsentContextValue {
  const value = useContext(ConsentContext);
  if (!value) throw new Error("useConsent outside ConsentProvider");
  return value;
}

export function ConsentProvider({ initial, initialTheme, children }: { initial: ConsentState | null; initialTheme: Theme; children: ReactNode }) {
  const [consent, setConsent] = useState(initial);
  const [theme, setThemeState] = useState(initialTheme);
  const [bannerOpen, setBannerOpen] = useState(initial === null);

  const choose = useCallback<ConsentContextValue["choose"]>(async (body) => {
    const res = await fetch("/api/consent", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error("Your choice could not be saved. Please try again.");
    const data = (await res.json()) as { consent: ConsentState };
    setConsent(data.consent);
    setBannerOpen(false);
  }, []);

  const setTheme = useCallback(async (next: Theme) => {
    setThemeState(next);
    document.documentElement.classList.remove("system", "light", "dark");
    document.documentElement.classList.add(next);
    await fetch("/api/preferences", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ theme: next }) });
  }, []);

  return (
    <ConsentContext.Provider value={{ consent, theme, bannerOpen, openBanner: () => setBannerOpen(true), choose, setTheme }}>
      {children}
    </ConsentContext.Provider>
  );
}

const choiceButton =
  "rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-900 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700";

export function ConsentBanner() {
  const { bannerOpen } = useConsent();
  return bannerOpen ? <BannerPanel /> : null;
}

/** Mounted only while open, so each opening starts from the choice in force, not from the first render. */
function BannerPanel() {
  const { consent, choose } = useConsent();
  const [customising, setCustomising] = useState(false);
  const [preferences, setPreferences] = useState(consent?.categories.preferences ?? false);
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);

  // Reopened from "Cookie settings": move focus into the banner. A first visit does not steal focus.
  useEffect(() => {
    if (consent) headingRef.current?.focus();
  }, [consent]);

  const submit = async (body: Parameters<typeof choose>[0]) => {
    setError(null);
    try {
      await choose(body);
      setCustomising(false);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section
      role="region"
      aria-labelledby={headingId}
      // Sticky, not fixed: it stays in view yet takes its own space, so it never hides the footer's cookie settings.
      className="sticky bottom-0 z-50 border-t border-slate-300 bg-white p-4 shadow-2xl dark:border-slate-700 dark:bg-slate-900"
      data-testid="consent-banner"
    >
      <div className="mx-auto flex max-w-4xl flex-col gap-3">
        <h2 id={headingId} ref={headingRef} tabIndex={-1} className="text-base font-semibold">
          Cookies on Rampart
        </h2>
        <p className="text-sm text-slate-700 dark:text-slate-300">
          We use strictly necessary cookies to keep you signed in and to remember this choice. With your permission we also
          remember preferences such as the colour theme. We use no advertising or tracking cookies.{" "}
          <a href="/cookies" className="underline">
            Cookie policy
          </a>
        </p>
        {customising && (
          <fieldset className="flex flex-col gap-2 rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700">
            <legend className="px-1 font-semibold">Choose which cookies we may use</legend>
            <label className="flex items-start gap-2">
              <input type="checkbox" checked disabled className="mt-1" />
              <span>
                <strong>Strictly necessary</strong> — sign-in, security and this choice. Always on.
              </span>
            </label>
            <label className="flex items-start gap-2">
              <input type="checkbox" name="preferences" checked={preferences} onChange={(e) => setPreferences(e.target.checked)} className="mt-1" />
              <span>
                <strong>Preferences</strong> — remember settings such as the colour theme.
              </span>
            </label>
            <div>
              <button type="button" className={choiceButton} onClick={() => submit({ choice: "custom", categories: { preferences } })}>
                Save my choices
              </button>
            </div>
          </fieldset>
        )}
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <div className="flex flex-wrap gap-3">
          <button type="button" className={choiceButton} onClick={() => submit({ choice: "accept_all" })}>
            Accept all
          </button>
          <button type="button" className={choiceButton} onClick={() => submit({ choice: "reject_all" })}>
            Reject all
          </button>
          <button type="button" className={choiceButton} aria-expanded={customising} onClick={() => setCustomising((v) => !v)}>
            Customise
          </button>
        </div>
      </div>
    </section>
  );
}

export function CookieSettingsButton() {
  const { openBanner } = useConsent();
  return (
    <button type="button" onClick={openBanner} className="underline hover:text-slate-900 dark:hover:text-white">
      Cookie settings
    </button>
  );
}

export function ThemeSelect() {
  const { theme, setTheme, consent } = useConsent();
  const id = useId();
  return (
    <span className="flex items-center gap-2">
      <label htmlFor={id}>Theme</label>
      <select
        id={id}
        value={theme}
        onChange={(e) => void setTheme(e.target.value as Theme)}
        className="rounded border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-800"
        aria-describedby={consent?.categories.preferences ? undefined : `${id}-hint`}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
      {!consent?.categories.preferences && (
        <span id={`${id}-hint`} className="sr-only">
          Without preference cookies your theme is not remembered after you leave.
        </span>
      )}
    </span>
  );
}
