import "server-only";
import { getConfig } from "@/lib/config";
import { getDb, type Database } from "@/lib/db";
import { loadSecrets } from "@/lib/keys";
import { getMailer, type Mailer } from "@/lib/mail";
import { createAuthLimiters, type AuthLimiters } from "./limits";
import type { SessionPolicy } from "./sessions";

export type AuthRuntime = { db: Database; limiters: AuthLimiters; policy: SessionPolicy; mailer: Mailer; appUrl: string; secret: string };

const holder = globalThis as typeof globalThis & { __rampartAuth?: Promise<AuthRuntime> };

/** What the account code needs, built once per process. */
export function getAuthRuntime(): Promise<AuthRuntime> {
  holder.__rampartAuth ??= (async () => {
    const config = getConfig();
    const db = await getDb();
    return {
      db,
      limiters: createAuthLimiters(db, config),
      policy: { maxAgeSeconds: config.auth.sessionMaxAgeSeconds, idleTimeoutSeconds: config.auth.idleTimeoutSeconds },
      mailer: getMailer(),
      appUrl: config.appUrl,
      secret: loadSecrets().authSecret,
    };
  })();
  return holder.__rampartAuth;
}
