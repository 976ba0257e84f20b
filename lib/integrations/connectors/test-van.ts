import { z } from "zod";
import type { RecordedRequest, RemoteAnswer } from "./test-remote";

/**
 * A small NGP VAN API v4 for tests and the browser journey: the endpoints Rampart uses, the Basic header checked,
 * canvass responses checked against the documented shape and kept per VAN ID. Only `knownVanIds` exist.
 */
export const TEST_VAN = { applicationName: "rampart.test", apiKey: "c0ffee00-1234-4cde-9abc-0123456789ab", mode: "1" as const, knownVanIds: ["100200", "100201"] };

export const canvassResponseBody = z
  .object({
    canvassContext: z.object({ contactTypeId: z.number().int().optional(), inputTypeId: z.literal(11), dateCanvassed: z.iso.datetime() }).strict(),
    resultCodeId: z.number().int().nullable(),
    responses: z
      .array(
        z.union([
          z.object({ type: z.literal("ActivistCode"), activistCodeId: z.number().int(), action: z.literal("Apply") }).strict(),
          z.object({ type: z.literal("SurveyResponse"), surveyQuestionId: z.number().int(), surveyResponseId: z.number().int() }).strict(),
        ]),
      )
      .nullable(),
  })
  .strict()
  .refine((b) => (b.resultCodeId === null) !== (b.responses === null), "either a result code or responses");

export type TestVan = { answer(req: RecordedRequest): RemoteAnswer; received: Map<string, z.infer<typeof canvassResponseBody>[]>; failNext: RemoteAnswer[] };

export function testVan(credentials = TEST_VAN): TestVan {
  const auth = `Basic ${Buffer.from(`${credentials.applicationName}:${credentials.apiKey}|${credentials.mode}`).toString("base64")}`;
  const received = new Map<string, z.infer<typeof canvassResponseBody>[]>();
  const failNext: RemoteAnswer[] = [];
  return {
    received,
    failNext,
    answer(req) {
      if (req.headers.authorization !== auth) return { status: 401, body: { errors: [{ code: "AUTHENTICATION_FAILED" }] } };
      const injected = failNext.shift();
      if (injected) return injected;
      const path = req.path.replace(/^\/v4/, "");
      if (req.method === "POST" && path === "/echoes") return { body: req.body };
      if (req.method === "GET" && path === "/activistCodes")
        return { body: { items: Number(req.query.get("$skip") ?? 0) > 0 ? [] : [{ activistCodeId: 4501, name: "Volunteer prospect", status: "Active" }, { activistCodeId: 4502, name: "Yard sign", status: "Active" }], count: 2 } };
      if (req.method === "GET" && path === "/surveyQuestions")
        return {
          body: {
            items: Number(req.query.get("$skip") ?? 0) > 0 ? [] : [{ surveyQuestionId: 301, name: "Support", status: "Active", responses: [{ surveyResponseId: 1, name: "Strong support" }, { surveyResponseId: 5, name: "Strong oppose" }] }],
            count: 1,
          },
        };
      if (req.method === "GET" && path === "/canvassResponses/resultCodes") return { body: [{ resultCodeId: 18, name: "Not Home" }, { resultCodeId: 19, name: "Refused" }] };
      if (req.method === "GET" && path === "/canvassResponses/contactTypes") return { body: [{ contactTypeId: 1, name: "Phone" }, { contactTypeId: 2, name: "Walk" }] };
      const person = /^\/people\/(\d+)\/canvassResponses$/.exec(path);
      if (req.method === "POST" && person) {
        if (!credentials.knownVanIds.includes(person[1]!)) return { status: 404, body: { errors: [{ code: "NOT_FOUND" }] } };
        const body = canvassResponseBody.safeParse(req.body);
        if (!body.success) return { status: 400, body: { errors: [{ code: "INVALID_PARAMETER" }] } };
        received.set(person[1]!, [...(received.get(person[1]!) ?? []), body.data]);
        return { status: 204 };
      }
      return { status: 404, body: { errors: [{ code: "NOT_FOUND" }] } };
    },
  };
}
