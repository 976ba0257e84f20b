"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { reportOutcomes } from "@/db/schema";
import { getConfig } from "@/lib/config";
import type { FormState } from "@/lib/http/action";
import { integrationSystems, systems } from "@/lib/integrations/connectors";
import { answerKeys } from "@/lib/integrations/mapping";
import {
  type RemoteCheck,
  connectorFor,
  disconnectSystem,
  recordVerifyFailure,
  requestSync,
  saveConnection,
  saveMapping,
  storeCodes,
  storedConnector,
  verifyAndListCodes,
} from "@/lib/integrations/service";
import { orgAction } from "@/lib/tenancy/guards";

const systemField = z.object({ system: z.enum(integrationSystems, { error: "Choose a system" }) });
const connectInput = systemField.loose();
/** The fields each system's connect form sends; anything else in the form is ignored. */
const credentialFields = { van: ["applicationName", "apiKey", "mode"], pdi: ["username", "password", "apiToken"], salsa: ["apiKey"] } as const;
const who = (access: { org: { id: string }; userId: string }, requestId: string) => ({ orgId: access.org.id, actor: { kind: "member" as const, id: access.userId }, requestId });
const done = (slug: string, message: string): FormState => {
  revalidatePath(`/o/${slug}/integrations`);
  return { ok: true, message };
};

/** Connect: the key is checked with the system (no transaction open meanwhile), then stored sealed; a refusal is recorded. */
export const connectIntegrationAction = orgAction<typeof connectInput, { credentials: Record<string, string>; check: RemoteCheck }>(
  "integrations:manage",
  connectInput,
  async (input, { access, tx, requestId, prepared }) => {
    if (!prepared.check.ok) {
      await recordVerifyFailure(tx, who(access, requestId), input.system, prepared.check.reason);
      return { message: prepared.check.message };
    }
    await saveConnection(tx, { ...who(access, requestId), connectedBy: access.userId }, input.system, prepared.credentials, prepared.check.codes);
    return done(access.org.slug, `Connected to ${systems[input.system].label}. Choose below what each outcome sends.`);
  },
  {
    prepare: async (input, access) => {
      const raw = Object.fromEntries(credentialFields[input.system].map((f) => [f, typeof input[f] === "string" ? input[f] : ""]));
      const credentials = systems[input.system].credentials.parse(raw) as Record<string, string>;
      return { credentials, check: await verifyAndListCodes(connectorFor(input.system, credentials, access.org.id, getConfig().integrations)) };
    },
  },
);

/** The mapping form: one select per outcome and per survey answer, plus the contact type. Empty selects map nothing. */
export const saveMappingAction = orgAction("integrations:manage", systemField.loose(), async (input, { access, tx, requestId }) => {
  const pick = (name: string) => (typeof input[name] === "string" && input[name] !== "" ? (input[name] as string) : undefined);
  const outcomes = Object.fromEntries(reportOutcomes.map((o) => [o, pick(`outcome.${o}`)]).filter(([, v]) => v));
  const answers = Object.fromEntries(answerKeys.map((a) => [a.key, pick(`answer.${a.key}`)]).filter(([, v]) => v));
  const contactTypeId = pick("contactTypeId");
  await saveMapping(tx, who(access, requestId), input.system, { outcomes, answers, ...(contactTypeId ? { contactTypeId } : {}) });
  return done(access.org.slug, "Mapping saved. Reports completed from now on are sent with it.");
});

/** Fetches the system's current codes with the stored key (outside the transaction), then stores them. */
export const refreshCodesAction = orgAction<typeof systemField, RemoteCheck | { ok: false; message: string }>(
  "integrations:manage",
  systemField,
  async (input, { access, tx, requestId, prepared }) => {
    if (!prepared.ok) return { message: prepared.message };
    await storeCodes(tx, who(access, requestId), input.system, prepared.codes);
    return done(access.org.slug, "Codes refreshed.");
  },
  {
    prepare: async (input, access) => {
      const connector = await access.run((tx) => storedConnector(tx, access.org.id, input.system, getConfig().integrations));
      if (!connector) return { ok: false as const, message: "This system is not connected." };
      return verifyAndListCodes(connector);
    },
  },
);

export const syncNowAction = orgAction("integrations:manage", systemField, async (input, { access, tx }) => {
  const { queued } = await requestSync(tx, access.org.id, input.system);
  return done(access.org.slug, queued ? `Sending ${queued} outcome${queued === 1 ? "" : "s"} now.` : "Nothing is waiting to be sent.");
});

export const disconnectIntegrationAction = orgAction("integrations:manage", systemField, async (input, { access, tx, requestId }) => {
  const { cancelled } = await disconnectSystem(tx, who(access, requestId), input.system);
  return done(
    access.org.slug,
    `Disconnected: the key is deleted${cancelled ? ` and ${cancelled} queued outcome${cancelled === 1 ? " was" : "s were"} cancelled` : ""}. The history stays below.`,
  );
});
