import "server-only";
import { getConfig } from "@/lib/config";
import { getDb, type Database } from "@/lib/db";
import { loadSecrets } from "@/lib/keys";
import { getMailer, type Mailer } from "@/lib/mail";
import { createAuthLimiters, createSignInGuard, type AuthLimiters, type SignInGuard } from "@/lib/auth/limits";
import type { SessionPolicy } from "@/lib/auth/sessions";

export type Services = { db: Database; limiters: AuthLimiters; signInGuard: SignInGuard; policy: SessionPolicy; mailer: Mailer; appUrl: string; secret: string };

const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };

/** The process's services (database, limiters, session policy, mailer, public origin, session secret), built once and shared by every request. */
export function getServices(): Promise<Services> {
  holder.__rampartServices ??= (async () => {
    const config = getConfig();
    const db = await getDb();
    const secret = loadSecrets().authSecret;
    return {
      db,
      limiters: createAuthLimiters(db, config),
      signInGuard: createSignInGuard(db, secret, config),
      policy: { maxAgeSeconds: config.auth.sessionMaxAgeSeconds, idleTimeoutSeconds: config.auth.idleTimeoutSeconds },
      mailer: getMailer(),
      appUrl: config.appUrl,
      secret,
    };
  })();
  return holder.__rampartServices;
}
