import { authCookieNames } from "@/lib/auth/cookies";
import { signSessionToken } from "@/lib/auth/session-token";
import { createSession } from "@/lib/auth/sessions";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db/client";
import { loadSecrets } from "@/lib/keys";
import type { Services } from "@/lib/services";

/**
 * The harness of server-action and page tests that run with their guards in place: the process's services pointed
 * at a test database, a person signed in by a real session row and a signed session cookie, and a form as the
 * browser posts it. Each test file still mocks next/headers itself (vi.mock is per file) and reads the cookies from
 * the map `signedInCookies` returns.
 */
export const TEST_SESSION_POLICY = { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 };

const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };

/** Points getServices() at the test database (and any other service the test names). */
export function useTestServices(db: Database, more: Partial<Services> = {}): void {
  holder.__rampartServices = Promise.resolve({ db, policy: TEST_SESSION_POLICY, secret: loadSecrets().authSecret, ...more } as Services);
}

export function clearTestServices(): void {
  holder.__rampartServices = undefined;
}

/** A new session for the person and the cookies a browser would send with it. */
export async function signedInCookies(db: Database, userId: string): Promise<Map<string, string>> {
  const session = await createSession(db, { userId, policy: TEST_SESSION_POLICY });
  const token = await signSessionToken({ sub: userId, sid: session.id }, loadSecrets().authSecret, 3600);
  return new Map([[authCookieNames(getConfig().secureCookies).session, token]]);
}

/** A posted form: the campaign's slug as `org` when given, then the values. */
export function actionForm(values: Record<string, string | File>, org?: string): FormData {
  const data = new FormData();
  if (org !== undefined) data.set("org", org);
  for (const [k, v] of Object.entries(values)) data.set(k, v);
  return data;
}
