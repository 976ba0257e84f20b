import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BadCredentialsError, IntegrationError, RemoteNotFoundError } from "./errors";
import { pdiConnector } from "./pdi";
import { startTestRemote, type RecordedRequest, type RemoteAnswer, type TestRemote } from "./test-remote";

/** PDI's API on loopback: sessions, Bearer tokens that expire, {data,totalCount} pages, and POST /flags checked against its shape. */
const creds = { username: "field@campaign.test", password: "pdi-password-42", apiToken: "pdi-token-0123456789" };
let issued = 0;
let expiresInMs = 3_600_000;
const flagBody = z.array(
  z.object({ pdiId: z.string(), flagEntryDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), acquisitionTypeId: z.string().optional(), flagId: z.string(), questionId: z.string().optional() }).strict(),
);
const flagIds = Array.from({ length: 3 }, (_, i) => ({ id: `f${i}`, flagId: ["NH", "SUP", "NO"][i]!, flagIdDescription: ["Not home", "Supporter", "Opposed"][i] }));

function pdi(req: RecordedRequest): RemoteAnswer {
  if (req.method === "POST" && req.path === "/sessions") {
    const b = req.body as Record<string, string>;
    if (b.Username !== creds.username || b.Password !== creds.password || b.ApiToken !== creds.apiToken) return { status: 401, body: { message: "invalid" } };
    issued++;
    return { body: { AccessToken: `session-${issued}`, ExpirationDate: new Date(Date.now() + expiresInMs).toISOString() } };
  }
  if (req.headers.authorization !== `Bearer session-${issued}`) return { status: 401 };
  const cursor = Number(req.query.get("cursor") ?? 1);
  if (req.path === "/flag_ids") return { body: { data: cursor === 1 ? flagIds.slice(0, 2) : flagIds.slice(2), totalCount: 3 } };
  if (req.path === "/questions") return { body: { data: [{ id: "q1", question: "Will you vote?", answerOptions: [{ id: "a1", flagId: "f1", displayDescription: "Yes" }] }], totalCount: 1 } };
  if (req.path === "/acquisitionTypes") return { body: { data: [{ id: "t1", acquisitionType: "C", acquisitionDescription: "Canvass" }], totalCount: 1 } };
  if (req.method === "POST" && req.path === "/flags") {
    if (!flagBody.safeParse(req.body).success) return { status: 400 };
    return (req.body as { pdiId: string }[]).every((f) => f.pdiId === "PDI-42") ? { status: 200, body: { data: [] } } : { status: 404 };
  }
  return { status: 404 };
}

let remote: TestRemote;
beforeEach(async () => {
  issued = 0;
  expiresInMs = 3_600_000;
  remote = await startTestRemote(pdi);
});
afterEach(() => remote.close());
const connector = (c = creds) => pdiConnector(c, { baseUrl: remote.url, backoffBaseMs: 5 });

describe("PDI connector", () => {
  it("verifies by opening a session, and a wrong password is bad credentials with no secret in the error", async () => {
    await connector().verify();
    expect(remote.requests[0]!.path).toBe("/sessions");
    const err = await connector({ ...creds, password: "nope-nope" }).verify().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadCredentialsError);
    expect(String(err) + JSON.stringify(err)).not.toMatch(/nope-nope|pdi-token/);
  });

  it("lists flag ids over cursor pages, questions with answer options, and acquisition types, on one session", async () => {
    const codes = await connector().listCodes();
    expect(codes.resultCodes.map((c) => c.id)).toEqual(["f0", "f1", "f2"]);
    expect(codes.surveyQuestions).toEqual([{ id: "q1", name: "Will you vote?", responses: [{ id: "f1", name: "Yes" }] }]);
    expect(codes.contactTypes).toEqual([{ id: "t1", name: "Canvass" }]);
    expect(codes.activistCodes).toEqual([]);
    expect(issued).toBe(1);
  });

  it("posts flags for an existing voter in the documented shape, renewing an expired session first", async () => {
    expiresInMs = 1000; // inside the renewal margin: the next request renews
    const c = connector();
    await c.verify();
    await c.pushOutcome("PDI-42", { contactedAt: new Date("2026-12-02T10:00:00Z"), contactTypeId: "t1", activistCodeIds: [], surveyResponses: [{ questionId: "q1", responseId: "f1" }] });
    const post = remote.requests.find((r) => r.path === "/flags")!;
    expect(post.body).toEqual([{ pdiId: "PDI-42", flagEntryDate: "2026-12-02", acquisitionTypeId: "t1", flagId: "f1", questionId: "q1" }]);
    expect(issued).toBe(2);
    expect(post.headers.authorization).toBe("Bearer session-2");
  });

  it("never creates a voter: an unknown id is not found, a malformed id is never sent, activist codes are refused", async () => {
    const outcome = { contactedAt: new Date(), resultCodeId: "f0", activistCodeIds: [], surveyResponses: [] };
    await expect(connector().pushOutcome("PDI-7", outcome)).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(connector().pushOutcome("a/b", outcome)).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(connector().pushOutcome("PDI-42", { ...outcome, activistCodeIds: ["x"] })).rejects.toBeInstanceOf(IntegrationError);
    expect(remote.requests.filter((r) => r.method === "POST" && r.path !== "/sessions" && r.path !== "/flags")).toEqual([]);
  });
});
