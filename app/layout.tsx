import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import { getConfig } from "@/lib/config";
import { cookieName } from "@/lib/http/cookies";
import { decodeConsentCookie } from "@/lib/privacy/consent-policy";
import { CONSENT_COOKIE, parseTheme, THEME_COOKIE } from "@/lib/privacy/preferences";
import { getCurrentSession } from "@/lib/auth/current";
import { ConsentBanner, ConsentProvider, CookieSettingsButton, ThemeSelect } from "./_components/consent";
import { PageNoticeProvider } from "./_components/page-notice";
import { PolicyNotice } from "./_components/policy-notice";
import { SignOutButton } from "./_components/sign-out";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Rampart", template: "%s · Rampart" },
  description: "Campaign data you can trust: contacts, actions and volunteers, encrypted and isolated.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const jar = await cookies();
  const secure = getConfig().secureCookies;
  const consent = decodeConsentCookie(jar.get(cookieName(CONSENT_COOKIE, secure))?.value);
  const theme = consent?.categories.preferences ? parseTheme(jar.get(cookieName(THEME_COOKIE, secure))?.value) : "system";
  const current = await getCurrentSession();

  return (
    <html lang="en" className={theme}>
      <body className="flex min-h-screen flex-col bg-slate-50 font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
          Skip to content
        </a>
        <ConsentProvider initial={consent} initialTheme={theme}>
          <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <nav aria-label="Main" className="mx-auto flex max-w-5xl items-center justify-between px-4 py-3">
              <Link href="/" className="text-lg font-bold tracking-tight text-brand-700 dark:text-brand-100">
                Rampart
              </Link>
              <ul className="flex items-center gap-4 text-sm">
                <li>
                  <Link href="/security" className="hover:underline">
                    Security
                  </Link>
                </li>
                {current ? (
                  <>
                    <li>
                      <Link href="/orgs" className="hover:underline">
                        Campaigns
                      </Link>
                    </li>
                    <li>
                      <Link href="/settings" className="hover:underline" aria-label={`Settings for ${current.user.name}`}>
                        Settings
                      </Link>
                    </li>
                    <li>
                      <SignOutButton />
                    </li>
                  </>
                ) : (
                  <>
                    <li>
                      <Link href="/login" className="hover:underline">
                        Sign in
                      </Link>
                    </li>
                    <li>
                      <Link href="/signup" className="rounded-md bg-brand-600 px-3 py-1.5 font-semibold text-white hover:bg-brand-700">
                        Create account
                      </Link>
                    </li>
                  </>
                )}
              </ul>
            </nav>
          </header>
          <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8">
            <PageNoticeProvider>
              {current && <PolicyNotice userId={current.user.id} />}
              {children}
            </PageNoticeProvider>
          </main>
          <footer className="border-t border-slate-200 bg-white py-6 text-sm text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
            <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-6 gap-y-2 px-4">
              <span>© Rampart</span>
              <Link href="/security" className="underline">
                Security
              </Link>
              <Link href="/cookies" className="underline">
                Cookie policy
              </Link>
              <CookieSettingsButton />
              <ThemeSelect />
            </div>
          </footer>
          <ConsentBanner />
        </ConsentProvider>
      </body>
    </html>
  );
}
