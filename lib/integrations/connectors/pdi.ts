import "server-only";
import { z } from "zod";
import { BadCredentialsError, IntegrationError, RemoteNotFoundError } from "./errors";
import { RemoteClient, type RemoteClientOptions } from "./http";
import type { Connector, RemoteCodes, RemoteOutcome } from "./types";

/**
 * PDI (Political Data Inc.), its REST API (api.bluevote.com/docs). A session token from the user name, password and
 * API token, then Bearer authentication, renewed before it expires. Endpoints used:
 *   POST /sessions                      open a session (verify)
 *   GET  /flag_ids, /questions, /acquisitionTypes   codes to map ({data, totalCount} pages by cursor)
 *   POST /flags                         record flags on an existing voter by PDI id (never a contact or voter create)
 * PDI has no activist codes: outcomes map to flag ids, survey answers to a question's answer options (their flag ids).
 */
export const PDI_DEFAULT_BASE_URL = "https://api.bluevote.com";
const SYSTEM = "PDI";
const LIMIT = 2000;
const MAX_PAGES = 20;
const RENEW_BEFORE_MS = 60_000;

export const pdiCredentialsSchema = z
  .object({
    username: z.string().trim().min(1, "Enter the PDI user name").max(200),
    password: z.string().min(1, "Enter the PDI password").max(500),
    apiToken: z.string().trim().min(8, "Paste the whole API token").max(500),
  })
  .strict();
export type PdiCredentials = z.infer<typeof pdiCredentialsSchema>;

const id = z.union([z.number().int(), z.string().min(1).max(64)]).transform(String);
const session = z.object({ AccessToken: z.string().min(1), ExpirationDate: z.string() });
const pageOf = <T extends z.ZodTypeAny>(item: T) => z.object({ data: z.array(item), totalCount: z.number().int().optional() });
const flagId = z.object({ id, flagId: z.string(), flagIdDescription: z.string().nullish() });
const question = z.object({
  id,
  question: z.string(),
  answerOptions: z.array(z.object({ id, flagId: id, displayDescription: z.string().nullish(), displayCode: z.string().nullish() })).default([]),
});
const acquisitionType = z.object({ id, acquisitionType: z.string(), acquisitionDescription: z.string().nullish() });

export function pdiConnector(credentials: PdiCredentials, options: Omit<RemoteClientOptions, "system" | "headers" | "baseUrl"> & { baseUrl?: string } = {}): Connector {
  const baseUrl = options.baseUrl ?? PDI_DEFAULT_BASE_URL;
  let token: { value: string; expiresAt: number } | null = null;
  let opening: Promise<void> | null = null;
  const open = new RemoteClient({ ...options, system: SYSTEM, baseUrl, headers: () => ({}) });

  async function openSession(): Promise<void> {
    const answer = session.safeParse(
      await open.request({ method: "POST", path: "sessions", body: { Username: credentials.username, Password: credentials.password, ApiToken: credentials.apiToken } }),
    );
    if (!answer.success) throw new BadCredentialsError(SYSTEM);
    const expiresAt = Date.parse(answer.data.ExpirationDate);
    token = { value: answer.data.AccessToken, expiresAt: Number.isNaN(expiresAt) ? Date.now() + 10 * 60_000 : expiresAt };
  }

  /** The session's Bearer header; requests in flight together share one session request. */
  async function bearer(): Promise<Record<string, string>> {
    if (!token || token.expiresAt - RENEW_BEFORE_MS < Date.now()) {
      opening ??= openSession().finally(() => (opening = null));
      await opening;
    }
    return { authorization: `Bearer ${token!.value}` };
  }
  const client = new RemoteClient({ ...options, system: SYSTEM, baseUrl, headers: bearer });

  async function all<T extends z.ZodTypeAny>(path: string, item: T): Promise<z.infer<T>[]> {
    const out: z.infer<T>[] = [];
    for (let cursor = 1; cursor <= MAX_PAGES; cursor++) {
      const answer = pageOf(item).parse(await client.request({ method: "GET", path, query: { limit: LIMIT, cursor } }));
      out.push(...answer.data);
      if (answer.data.length === 0 || out.length >= (answer.totalCount ?? out.length)) break;
    }
    return out;
  }

  return {
    system: "pdi",
    async verify() {
      token = null;
      await bearer();
    },
    async listCodes(): Promise<RemoteCodes> {
      const [flags, questions, types] = await Promise.all([all("flag_ids", flagId), all("questions", question), all("acquisitionTypes", acquisitionType)]);
      return {
        activistCodes: [],
        resultCodes: flags.map((f) => ({ id: f.id, name: f.flagIdDescription ? `${f.flagId} — ${f.flagIdDescription}` : f.flagId })),
        surveyQuestions: questions.map((q) => ({
          id: q.id,
          name: q.question,
          responses: q.answerOptions.map((a) => ({ id: a.flagId, name: a.displayDescription ?? a.displayCode ?? a.flagId })),
        })),
        contactTypes: types.map((t) => ({ id: t.id, name: t.acquisitionDescription ?? t.acquisitionType })),
      };
    },
    async pushOutcome(externalId: string, outcome: RemoteOutcome) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(externalId)) throw new RemoteNotFoundError(SYSTEM, "voter");
      if (outcome.activistCodeIds.length > 0) throw new IntegrationError("refused", "PDI has no activist codes; map the outcome to a flag instead");
      const day = outcome.contactedAt.toISOString().slice(0, 10);
      const base = { pdiId: externalId, flagEntryDate: day, ...(outcome.contactTypeId ? { acquisitionTypeId: outcome.contactTypeId } : {}) };
      const flags = [
        ...(outcome.resultCodeId ? [{ ...base, flagId: outcome.resultCodeId }] : []),
        ...outcome.surveyResponses.map((s) => ({ ...base, flagId: s.responseId, questionId: s.questionId })),
      ];
      if (flags.length === 0) return;
      await client.request({ method: "POST", path: "flags", body: flags, notFound: "voter" });
    },
  };
}
