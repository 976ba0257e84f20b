import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadCredentialsError, IntegrationError, RemoteNotFoundError } from "./errors";
import { salsaConnector } from "./salsa";
import { startTestRemote, type RecordedRequest, type RemoteAnswer, type TestRemote } from "./test-remote";

/** Salsa Engage's integration API on loopback: authToken header, payload envelopes, segments and supporters. */
const TOKEN = "engage-token-abcdefghijklmnop";
const segments = Array.from({ length: 25 }, (_, i) => ({ segmentId: `seg-${i}`, name: `Segment ${i}` }));
const base = "/api/integration/ext/v1";

function salsa(req: RecordedRequest): RemoteAnswer {
  if (req.headers.authtoken !== TOKEN) return { status: 401, body: { errors: [{ code: 2001 }] } };
  const payload = (req.body as { payload?: Record<string, unknown> } | null)?.payload ?? {};
  if (req.method === "GET" && req.path === `${base}/metrics`) return { body: { payload: { rateLimit: 1000, currentRateLimit: 999 } } };
  if (req.method === "POST" && req.path === `${base}/segments/search`) {
    const offset = Number(payload.offset ?? 0);
    return { body: { payload: { total: segments.length, offset, count: 20, segments: segments.slice(offset, offset + 20) } } };
  }
  if (req.method === "POST" && req.path === `${base}/supporters/search`) {
    const [id] = payload.identifiers as string[];
    return { body: { payload: { supporters: [id === "sup-1" ? { supporterId: id, result: "FOUND" } : { supporterId: id, result: "NOT_FOUND" }] } } };
  }
  if (req.method === "PUT" && req.path === `${base}/segments/members`) return { body: { payload: { supporters: [{ supporterId: "sup-1", result: "ADDED" }] } } };
  return { status: 404 };
}

let remote: TestRemote;
beforeEach(async () => {
  remote = await startTestRemote(salsa);
});
afterEach(() => remote.close());
const connector = (apiKey = TOKEN) => salsaConnector({ apiKey }, { baseUrl: remote.url, backoffBaseMs: 5 });

describe("Salsa Engage connector", () => {
  it("verifies the token on /metrics; a wrong token is bad credentials", async () => {
    await connector().verify();
    expect(remote.requests[0]).toMatchObject({ method: "GET", path: `${base}/metrics` });
    await expect(connector("wrong-token-0000000000").verify()).rejects.toBeInstanceOf(BadCredentialsError);
  });

  it("lists segments over offset pages as the codes to map", async () => {
    const codes = await connector().listCodes();
    expect(codes.activistCodes).toHaveLength(25);
    expect(codes.surveyQuestions).toEqual([]);
    expect(remote.requests.map((r) => (r.body as { payload: { offset: number } }).payload.offset)).toEqual([0, 20]);
  });

  it("adds an existing supporter to the mapped segments, after finding them by supporter id", async () => {
    await connector().pushOutcome("sup-1", { contactedAt: new Date(), activistCodeIds: ["seg-3", "seg-4"], surveyResponses: [] });
    expect(remote.requests.map((r) => `${r.method} ${r.path.replace(base, "")}`)).toEqual(["POST /supporters/search", "PUT /segments/members", "PUT /segments/members"]);
    expect(remote.requests[1]!.body).toEqual({ payload: { segmentId: "seg-3", supporterIds: ["sup-1"] } });
  });

  it("never creates a supporter: an unknown one is not found and nothing is written; PUT /supporters is never called", async () => {
    await expect(connector().pushOutcome("sup-404", { contactedAt: new Date(), activistCodeIds: ["seg-3"], surveyResponses: [] })).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(connector().pushOutcome("sup-1", { contactedAt: new Date(), resultCodeId: "x", activistCodeIds: [], surveyResponses: [] })).rejects.toBeInstanceOf(IntegrationError);
    expect(remote.requests.filter((r) => r.method === "PUT")).toEqual([]);
  });
});
