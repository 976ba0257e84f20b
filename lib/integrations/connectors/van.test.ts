import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadCredentialsError, IntegrationError, RemoteNotFoundError } from "./errors";
import { startTestRemote, type RecordedRequest, type RemoteAnswer, type TestRemote } from "./test-remote";
import { canvassResponseBody } from "./test-van";
import { vanConnector, vanCredentialsSchema } from "./van";

/** A VAN API v4 on loopback: the endpoints the connector uses, checking the Basic header and the documented body shape. */
const KEY = "7b1c2d3e-aaaa-bbbb-cccc-0123456789ab";
const creds = { applicationName: "rampart.test", apiKey: KEY, mode: "1" as const };
const expectedAuth = `Basic ${Buffer.from(`rampart.test:${KEY}|1`).toString("base64")}`;

const activistCodes = Array.from({ length: 230 }, (_, i) => ({ activistCodeId: 1000 + i, name: `Code ${i}`, status: i === 5 ? "Archived" : "Active", type: "Activism" }));

function van(req: RecordedRequest): RemoteAnswer {
  if (req.headers.authorization !== expectedAuth) return { status: 401, body: { errors: [{ code: "AUTHENTICATION_FAILED" }] } };
  const top = Number(req.query.get("$top") ?? 50);
  const skip = Number(req.query.get("$skip") ?? 0);
  if (req.method === "POST" && req.path === "/v4/echoes") return { body: req.body };
  if (req.method === "GET" && req.path === "/v4/activistCodes") return { body: { items: activistCodes.slice(skip, skip + top), count: activistCodes.length, nextPageLink: null } };
  if (req.method === "GET" && req.path === "/v4/surveyQuestions")
    return { body: { items: [{ surveyQuestionId: 77, name: "Support", status: "Active", responses: [{ surveyResponseId: 1, name: "Strong yes" }, { surveyResponseId: 2, name: "No" }] }], count: 1 } };
  if (req.method === "GET" && req.path === "/v4/canvassResponses/resultCodes") return { body: [{ resultCodeId: 18, name: "Not Home" }, { resultCodeId: 19, name: "Refused" }] };
  if (req.method === "GET" && req.path === "/v4/canvassResponses/contactTypes") return { body: [{ contactTypeId: 2, name: "Walk" }, { contactTypeId: 1, name: "Phone" }] };
  const person = /^\/v4\/people\/(\d+)\/canvassResponses$/.exec(req.path);
  if (req.method === "POST" && person) {
    if (person[1] !== "100200") return { status: 404, body: { errors: [{ code: "NOT_FOUND" }] } };
    return canvassResponseBody.safeParse(req.body).success ? { status: 204 } : { status: 400, body: { errors: [{ code: "INVALID_PARAMETER" }] } };
  }
  return { status: 404 };
}

let remote: TestRemote;
beforeEach(async () => {
  remote = await startTestRemote(van);
});
afterEach(() => remote.close());
const connector = (c = creds) => vanConnector(c, { baseUrl: `${remote.url}/v4`, backoffBaseMs: 5 });

describe("NGP VAN connector", () => {
  it("verifies a key through /echoes with Basic application-name:key|mode", async () => {
    await connector().verify();
    expect(remote.requests).toHaveLength(1);
    expect(remote.requests[0]).toMatchObject({ method: "POST", path: "/v4/echoes", body: { message: "rampart" } });
  });

  it("refuses a bad key as bad credentials, and the key is in no error", async () => {
    const err = await connector({ ...creds, apiKey: "wrong-key-123456" }).verify().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadCredentialsError);
    expect(String(err) + JSON.stringify(err)).not.toContain("wrong-key");
  });

  it("lists active activist codes over pages, survey questions with responses, result codes and contact types", async () => {
    const codes = await connector().listCodes();
    expect(codes.activistCodes).toHaveLength(229);
    expect(codes.activistCodes[0]).toEqual({ id: "1000", name: "Code 0" });
    expect(codes.activistCodes.some((c) => c.id === "1005")).toBe(false);
    expect(codes.surveyQuestions).toEqual([{ id: "77", name: "Support", responses: [{ id: "1", name: "Strong yes" }, { id: "2", name: "No" }] }]);
    expect(codes.resultCodes.map((r) => r.name)).toEqual(["Not Home", "Refused"]);
    expect(codes.contactTypes).toContainEqual({ id: "2", name: "Walk" });
    expect(remote.requests.filter((r) => r.path === "/v4/activistCodes").map((r) => r.query.get("$skip"))).toEqual(["0", "200"]);
  });

  it("posts canvass responses for an existing VAN ID in the documented shape, with no personal field", async () => {
    await connector().pushOutcome("100200", {
      contactedAt: new Date("2026-12-01T18:30:00Z"),
      contactTypeId: "2",
      activistCodeIds: ["1001"],
      surveyResponses: [{ questionId: "77", responseId: "1" }],
    });
    const [sent] = remote.requests;
    expect(sent!.path).toBe("/v4/people/100200/canvassResponses");
    expect(canvassResponseBody.safeParse(sent!.body).success).toBe(true);
    expect(sent!.body).toEqual({
      canvassContext: { contactTypeId: 2, inputTypeId: 11, dateCanvassed: "2026-12-01T18:30:00.000Z" },
      resultCodeId: null,
      responses: [
        { type: "ActivistCode", activistCodeId: 1001, action: "Apply" },
        { type: "SurveyResponse", surveyQuestionId: 77, surveyResponseId: 1 },
      ],
    });
  });

  it("sends a result code alone when the person was not reached", async () => {
    await connector().pushOutcome("100200", { contactedAt: new Date("2026-12-01T18:30:00Z"), resultCodeId: "18", activistCodeIds: [], surveyResponses: [] });
    expect(remote.requests[0]!.body).toMatchObject({ resultCodeId: 18, responses: null });
  });

  it("never creates a person: an unknown VAN ID is not found, an id that is not a VAN ID is never sent", async () => {
    await expect(connector().pushOutcome("999", { contactedAt: new Date(), activistCodeIds: ["1001"], surveyResponses: [] })).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(connector().pushOutcome("../findOrCreate", { contactedAt: new Date(), activistCodeIds: ["1001"], surveyResponses: [] })).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(connector().pushOutcome("100200", { contactedAt: new Date(), activistCodeIds: ["abc"], surveyResponses: [] })).rejects.toBeInstanceOf(IntegrationError);
    expect(remote.requests.map((r) => r.path)).toEqual(["/v4/people/999/canvassResponses"]);
    expect(remote.requests.some((r) => /findOrCreate|\/people$/.test(r.path))).toBe(false);
  });

  it("sends nothing for a reached person with nothing mapped", async () => {
    await connector().pushOutcome("100200", { contactedAt: new Date(), activistCodeIds: [], surveyResponses: [] });
    expect(remote.requests).toHaveLength(0);
  });

  it("validates the credentials a campaign pastes", () => {
    expect(vanCredentialsSchema.safeParse({ applicationName: "x", apiKey: "short", mode: "1" }).success).toBe(false);
    expect(vanCredentialsSchema.safeParse({ ...creds, mode: "2" }).success).toBe(false);
    expect(vanCredentialsSchema.safeParse({ ...creds, extra: 1 }).success).toBe(false);
    expect(vanCredentialsSchema.safeParse(creds).success).toBe(true);
  });
});
