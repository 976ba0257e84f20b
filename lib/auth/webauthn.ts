import "server-only";
import { and, asc, eq, lt, or } from "drizzle-orm";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeClientDataJSON, isoBase64URL } from "@simplewebauthn/server/helpers";
import { z } from "zod";
import { authChallenges, webauthnCredentials } from "@/db/schema";
import { getConfig } from "@/lib/config";
import type { Queryable } from "@/lib/db";

/** A ceremony's challenge is good for five minutes and one answer. */
export const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000;
const CEREMONY_TIMEOUT_MS = 2 * 60 * 1000;
/** The column is a PostgreSQL integer; authenticators count in uint32 but none gets near this. */
const MAX_STORED_COUNTER = 2 ** 31 - 1;

export type RelyingParty = { id: string; name: string; origin: string };
export type ChallengePurpose = "registration" | "sign_in" | "step_up";

/** Rampart as the WebAuthn relying party: the public URL's host is the RP ID, its origin the only accepted origin. */
export function relyingParty(appUrl = getConfig().appUrl): RelyingParty {
  const url = new URL(appUrl);
  return { id: url.hostname, name: "Rampart", origin: url.origin };
}

export const securityKeyNameSchema = z
  .string()
  .trim()
  .min(1, "Give the key a name, such as “Blue YubiKey”.")
  .max(64, "Keep the name under 64 characters.");

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, "not base64url");
const credentialIdSchema = base64url(1366);
const clientExtensionResults = z.record(z.string(), z.unknown()).default({});

/** What every credential response from the browser carries, whatever the ceremony. */
const credentialEnvelope = {
  id: credentialIdSchema,
  rawId: credentialIdSchema,
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults,
};

const registrationResponseSchema = z.object({
  ...credentialEnvelope,
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16384),
    authenticatorData: base64url(8192).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
});

const authenticationResponseSchema = z.object({
  ...credentialEnvelope,
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(2048),
    userHandle: base64url(1024).optional(),
  }),
});

/** A browser's answer arrives as JSON text (a form field or a credentials field); anything malformed is simply no answer. */
function parseResponse<T>(schema: z.ZodType<T>, raw: unknown): T | null {
  let value = raw;
  if (typeof raw === "string") {
    if (raw.length > 32 * 1024) return null;
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Starts a ceremony: one open challenge per person and purpose (a new one replaces the last), and expired ones are swept. */
async function storeChallenge(db: Queryable, userId: string, purpose: ChallengePurpose, challenge: string, now: Date): Promise<void> {
  await db
    .delete(authChallenges)
    .where(and(eq(authChallenges.userId, userId), or(eq(authChallenges.purpose, purpose), lt(authChallenges.expiresAt, now))));
  await db.insert(authChallenges).values({ userId, purpose, challenge, expiresAt: new Date(now.getTime() + CHALLENGE_LIFETIME_MS) });
}

/**
 * Takes the challenge the browser signed out of the store, whatever happens next: each challenge
 * answers once, atomically, and an expired one is spent without being accepted.
 */
async function consumeChallenge(db: Queryable, userId: string, purpose: ChallengePurpose, clientDataJSON: string, now: Date): Promise<string | null> {
  let challenge: string;
  try {
    challenge = decodeClientDataJSON(clientDataJSON).challenge;
  } catch {
    return null;
  }
  if (typeof challenge !== "string" || challenge.length === 0 || challenge.length > 512) return null;
  const [row] = await db
    .delete(authChallenges)
    .where(and(eq(authChallenges.userId, userId), eq(authChallenges.purpose, purpose), eq(authChallenges.challenge, challenge)))
    .returning({ expiresAt: authChallenges.expiresAt });
  return row && row.expiresAt > now ? challenge : null;
}

export type SecurityKey = { id: string; name: string; createdAt: Date; lastUsedAt: Date | null };

export function listSecurityKeys(db: Queryable, userId: string): Promise<SecurityKey[]> {
  return db
    .select({ id: webauthnCredentials.id, name: webauthnCredentials.name, createdAt: webauthnCredentials.createdAt, lastUsedAt: webauthnCredentials.lastUsedAt })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId))
    .orderBy(asc(webauthnCredentials.createdAt));
}

export async function hasSecurityKeys(db: Queryable, userId: string): Promise<boolean> {
  const [row] = await db.select({ id: webauthnCredentials.id }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).limit(1);
  return Boolean(row);
}

/** Removes one of the person's own keys; an id belonging to someone else removes nothing. */
export async function removeSecurityKey(db: Queryable, userId: string, credentialId: string): Promise<boolean> {
  const rows = await db
    .delete(webauthnCredentials)
    .where(and(eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.id, credentialId)))
    .returning({ id: webauthnCredentials.id });
  return rows.length === 1;
}

async function credentialDescriptors(db: Queryable, userId: string) {
  const rows = await db
    .select({ id: webauthnCredentials.id, transports: webauthnCredentials.transports })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId));
  return rows.map((r) => ({ id: r.id, transports: r.transports }));
}

/** Options for navigator.credentials.create(): the person's existing keys are excluded so one key is not registered twice. */
export async function beginSecurityKeyRegistration(
  db: Queryable,
  user: { id: string; email: string; name: string },
  rp: RelyingParty = relyingParty(),
  now = new Date(),
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    timeout: CEREMONY_TIMEOUT_MS,
    excludeCredentials: await credentialDescriptors(db, user.id),
    // A second factor, not a passkey: don't spend a hardware key's few resident slots.
    authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" },
  });
  await storeChallenge(db, user.id, "registration", options.challenge, now);
  return options;
}

export type RegistrationResult = { ok: true; credentialId: string } | { ok: false; reason: "invalid" | "already_registered" };

/** Verifies the browser's answer to a registration challenge and stores the new key (public key base64url). */
export async function finishSecurityKeyRegistration(
  db: Queryable,
  userId: string,
  input: { name: string; response: unknown },
  rp: RelyingParty = relyingParty(),
  now = new Date(),
): Promise<RegistrationResult> {
  const name = securityKeyNameSchema.safeParse(input.name);
  const response = parseResponse(registrationResponseSchema, input.response);
  if (!name.success || !response) return { ok: false, reason: "invalid" };
  const challenge = await consumeChallenge(db, userId, "registration", response.response.clientDataJSON, now);
  if (!challenge) return { ok: false, reason: "invalid" };
  let info;
  try {
    const verification = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!verification.verified) return { ok: false, reason: "invalid" };
    info = verification.registrationInfo;
  } catch {
    return { ok: false, reason: "invalid" };
  }
  const { credential } = info;
  if (credential.counter > MAX_STORED_COUNTER) return { ok: false, reason: "invalid" };
  const inserted = await db
    .insert(webauthnCredentials)
    .values({
      id: credential.id,
      userId,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: (credential.transports ?? response.response.transports ?? []).slice(0, 10),
      name: name.data,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: webauthnCredentials.id });
  return inserted.length === 1 ? { ok: true, credentialId: credential.id } : { ok: false, reason: "already_registered" };
}

/** Options for navigator.credentials.get() limited to the person's own keys; null when they have none. */
export async function beginSecurityKeyAuthentication(
  db: Queryable,
  userId: string,
  purpose: Exclude<ChallengePurpose, "registration">,
  rp: RelyingParty = relyingParty(),
  now = new Date(),
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const allowCredentials = await credentialDescriptors(db, userId);
  if (allowCredentials.length === 0) return null;
  const options = await generateAuthenticationOptions({ rpID: rp.id, allowCredentials, userVerification: "preferred", timeout: CEREMONY_TIMEOUT_MS });
  await storeChallenge(db, userId, purpose, options.challenge, now);
  return options;
}

/**
 * Verifies an assertion by one of the person's own keys against a challenge issued to them for
 * this purpose. The signature counter must move forward (a cloned key shows up as a stale counter)
 * and is advanced with a compare-and-set, so two concurrent uses of one assertion cannot both pass.
 */
export async function verifySecurityKeyAssertion(
  db: Queryable,
  userId: string,
  purpose: Exclude<ChallengePurpose, "registration">,
  rawResponse: unknown,
  rp: RelyingParty = relyingParty(),
  now = new Date(),
): Promise<boolean> {
  const response = parseResponse(authenticationResponseSchema, rawResponse);
  if (!response) return false;
  const challenge = await consumeChallenge(db, userId, purpose, response.response.clientDataJSON, now);
  if (!challenge) return false;
  const [stored] = await db
    .select()
    .from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.id, response.id)));
  if (!stored) return false;
  let newCounter: number;
  try {
    const verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: stored.id, publicKey: isoBase64URL.toBuffer(stored.publicKey), counter: stored.counter, transports: stored.transports },
      requireUserVerification: false,
    });
    if (!verification.verified) return false;
    newCounter = verification.authenticationInfo.newCounter;
  } catch {
    return false;
  }
  if (newCounter > MAX_STORED_COUNTER) return false;
  const updated = await db
    .update(webauthnCredentials)
    .set({ counter: newCounter, lastUsedAt: now })
    .where(and(eq(webauthnCredentials.id, stored.id), eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.counter, stored.counter)))
    .returning({ id: webauthnCredentials.id });
  return updated.length === 1;
}
