import "server-only";
import { z } from "zod";
import { IntegrationError, RemoteNotFoundError } from "./errors";
import { RemoteClient, type RemoteClientOptions } from "./http";
import type { Connector, RemoteCodes, RemoteOutcome } from "./types";

/**
 * Salsa Engage, its integration API (help.salsalabs.com, "Engage API"). The token goes in the `authToken` header;
 * requests and answers wrap their content in `payload`. Endpoints used:
 *   GET  /api/integration/ext/v1/metrics               verify the token
 *   POST /api/integration/ext/v1/segments/search       segments (groups), mapped like activist codes
 *   POST /api/integration/ext/v1/supporters/search     the supporter must already exist (by supporter id)
 *   PUT  /api/integration/ext/v1/segments/members      add the supporter to the mapped segments
 * Never PUT /supporters: that call creates a supporter it does not find. Engage has no canvass result codes or
 * survey questions in this API, so only segments are mapped.
 */
export const SALSA_DEFAULT_BASE_URL = "https://api.salsalabs.org";
const SYSTEM = "Salsa Engage";
const PATH = "api/integration/ext/v1";
const COUNT = 20;
const MAX_PAGES = 100;

export const salsaCredentialsSchema = z.object({ apiKey: z.string().trim().min(16, "Paste the whole Engage API token").max(1000) }).strict();
export type SalsaCredentials = z.infer<typeof salsaCredentialsSchema>;

const segmentsAnswer = z.object({
  payload: z.object({
    total: z.coerce.number().int().optional(),
    segments: z.array(z.object({ segmentId: z.string(), name: z.string() })).default([]),
  }),
});
const supportersAnswer = z.object({
  payload: z.object({ supporters: z.array(z.object({ supporterId: z.string().optional(), result: z.string().optional() })).default([]) }),
});

export function salsaConnector(credentials: SalsaCredentials, options: Omit<RemoteClientOptions, "system" | "headers" | "baseUrl"> & { baseUrl?: string } = {}): Connector {
  const client = new RemoteClient({ ...options, system: SYSTEM, baseUrl: options.baseUrl ?? SALSA_DEFAULT_BASE_URL, headers: () => ({ authToken: credentials.apiKey }) });

  return {
    system: "salsa",
    async verify() {
      const answer = z.object({ payload: z.object({}).passthrough() }).safeParse(await client.request({ method: "GET", path: `${PATH}/metrics` }));
      if (!answer.success) throw new RemoteNotFoundError(SYSTEM, "metrics service");
    },
    async listCodes(): Promise<RemoteCodes> {
      const segments: { id: string; name: string }[] = [];
      for (let n = 0; n < MAX_PAGES; n++) {
        const answer = segmentsAnswer.parse(
          await client.request({ method: "POST", path: `${PATH}/segments/search`, body: { payload: { offset: n * COUNT, count: COUNT, includeSupporterCounts: false } } }),
        );
        segments.push(...answer.payload.segments.map((s) => ({ id: s.segmentId, name: s.name })));
        if (answer.payload.segments.length < COUNT || segments.length >= (answer.payload.total ?? Infinity)) break;
      }
      return { activistCodes: segments, surveyQuestions: [], resultCodes: [], contactTypes: [] };
    },
    async pushOutcome(externalId: string, outcome: RemoteOutcome) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(externalId)) throw new RemoteNotFoundError(SYSTEM, "supporter");
      if (outcome.surveyResponses.length > 0 || outcome.resultCodeId) throw new IntegrationError("refused", "Salsa Engage takes segments only; map answers to segments");
      if (outcome.activistCodeIds.length === 0) return;
      const found = supportersAnswer.parse(
        await client.request({ method: "POST", path: `${PATH}/supporters/search`, body: { payload: { identifiers: [externalId], identifierType: "SUPPORTER_ID", offset: 0, count: 1 } } }),
      );
      if (!found.payload.supporters.some((s) => s.supporterId === externalId && s.result !== "NOT_FOUND")) throw new RemoteNotFoundError(SYSTEM, "supporter");
      for (const segmentId of outcome.activistCodeIds) {
        await client.request({ method: "PUT", path: `${PATH}/segments/members`, body: { payload: { segmentId, supporterIds: [externalId] } } });
      }
    },
  };
}
