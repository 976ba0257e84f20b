import "server-only";
import { z } from "zod";
import { IntegrationError, RemoteNotFoundError } from "./errors";
import { RemoteClient, type RemoteClientOptions } from "./http";
import type { Connector, RemoteCode, RemoteCodes, RemoteOutcome, RemoteQuestion } from "./types";

/**
 * NGP VAN / EveryAction, API v4 (developers.ngpvan.com). HTTP Basic: the application name as user name and
 * "apiKey|mode" as password (mode 0 = VoterFile, 1 = MyCampaign). Endpoints used:
 *   POST /echoes                               verify the key
 *   GET  /activistCodes, /surveyQuestions      codes to map ($top/$skip pages)
 *   GET  /canvassResponses/resultCodes, /canvassResponses/contactTypes
 *   POST /people/{vanId}/canvassResponses      record an outcome on an existing person (never /people/findOrCreate)
 */
export const VAN_DEFAULT_BASE_URL = "https://api.securevan.com/v4";
const SYSTEM = "NGP VAN";
const PAGE = 200;
const MAX_PAGES = 50;
/** VAN's input type "API": how the response entered VAN. */
const INPUT_TYPE_API = 11;

export const vanCredentialsSchema = z
  .object({
    applicationName: z.string().trim().min(1, "Enter the application name VAN gave with the key").max(200),
    apiKey: z.string().trim().min(8, "Paste the whole API key").max(200),
    mode: z.enum(["0", "1"], { error: "Choose VoterFile or MyCampaign" }),
  })
  .strict();
export type VanCredentials = z.infer<typeof vanCredentialsSchema>;

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const page = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), count: z.number().int().optional() });
const activistCode = z.object({ activistCodeId: id, name: z.string(), status: z.string().optional() });
const surveyQuestion = z.object({
  surveyQuestionId: id,
  name: z.string(),
  status: z.string().optional(),
  responses: z.array(z.object({ surveyResponseId: id, name: z.string() })).default([]),
});
const resultCode = z.object({ resultCodeId: id, name: z.string() });
const contactType = z.object({ contactTypeId: id, name: z.string() });

const numeric = (value: string) => {
  if (!/^\d{1,10}$/.test(value)) throw new IntegrationError("refused", "the mapping names a code NGP VAN does not use; map it again");
  return Number(value);
};
const active = (status: string | undefined) => status === undefined || status.toLowerCase() === "active";

export function vanConnector(credentials: VanCredentials, options: Omit<RemoteClientOptions, "system" | "headers" | "baseUrl"> & { baseUrl?: string } = {}): Connector {
  const basic = Buffer.from(`${credentials.applicationName}:${credentials.apiKey}|${credentials.mode}`, "utf8").toString("base64");
  const client = new RemoteClient({ ...options, system: SYSTEM, baseUrl: options.baseUrl ?? VAN_DEFAULT_BASE_URL, headers: () => ({ authorization: `Basic ${basic}` }) });

  async function all<T extends z.ZodTypeAny>(path: string, item: T): Promise<z.infer<T>[]> {
    const out: z.infer<T>[] = [];
    for (let n = 0; n < MAX_PAGES; n++) {
      const answer = page(item).parse(await client.request({ method: "GET", path, query: { $top: PAGE, $skip: n * PAGE } }));
      out.push(...answer.items);
      if (answer.items.length < PAGE || (answer.count !== undefined && out.length >= answer.count)) break;
    }
    return out;
  }

  return {
    system: "van",
    async verify() {
      const answer = z.object({ message: z.string() }).safeParse(await client.request({ method: "POST", path: "echoes", body: { message: "rampart" } }));
      if (!answer.success || answer.data.message !== "rampart") throw new RemoteNotFoundError(SYSTEM, "echo service");
    },
    async listCodes(): Promise<RemoteCodes> {
      const [codes, questions, results, types] = await Promise.all([
        all("activistCodes", activistCode),
        all("surveyQuestions", surveyQuestion),
        client.request({ method: "GET", path: "canvassResponses/resultCodes" }).then((a) => z.array(resultCode).parse(a)),
        client.request({ method: "GET", path: "canvassResponses/contactTypes" }).then((a) => z.array(contactType).parse(a)),
      ]);
      return {
        activistCodes: codes.filter((c) => active(c.status)).map((c): RemoteCode => ({ id: c.activistCodeId, name: c.name })),
        surveyQuestions: questions
          .filter((q) => active(q.status))
          .map((q): RemoteQuestion => ({ id: q.surveyQuestionId, name: q.name, responses: q.responses.map((r) => ({ id: r.surveyResponseId, name: r.name })) })),
        resultCodes: results.map((r) => ({ id: r.resultCodeId, name: r.name })),
        contactTypes: types.map((t) => ({ id: t.contactTypeId, name: t.name })),
      };
    },
    async pushOutcome(externalId: string, outcome: RemoteOutcome) {
      if (!/^\d{1,10}$/.test(externalId)) throw new RemoteNotFoundError(SYSTEM, "person");
      const responses = [
        ...outcome.activistCodeIds.map((a) => ({ type: "ActivistCode", activistCodeId: numeric(a), action: "Apply" })),
        ...outcome.surveyResponses.map((s) => ({ type: "SurveyResponse", surveyQuestionId: numeric(s.questionId), surveyResponseId: numeric(s.responseId) })),
      ];
      // VAN takes either a result code (not reached) or responses, never both.
      const reached = outcome.resultCodeId === undefined;
      if (reached && responses.length === 0) return;
      await client.request({
        method: "POST",
        path: `people/${externalId}/canvassResponses`,
        notFound: "person",
        body: {
          canvassContext: {
            ...(outcome.contactTypeId ? { contactTypeId: numeric(outcome.contactTypeId) } : {}),
            inputTypeId: INPUT_TYPE_API,
            dateCanvassed: outcome.contactedAt.toISOString(),
          },
          resultCodeId: reached ? null : numeric(outcome.resultCodeId!),
          responses: reached ? responses : null,
        },
      });
    },
  };
}
