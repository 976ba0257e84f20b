import { cookieName } from "@/lib/http/cookies";

/** Names of the account cookies: all strictly necessary (sign-in and its CSRF defence). */
export function authCookieNames(secure: boolean) {
  return {
    session: cookieName("session", secure),
    csrf: cookieName("auth-csrf", secure),
    callbackUrl: cookieName("auth-callback", secure),
  };
}
