import type { DecisionResult } from "@/lib/privacy/deletion-requests";
import { HttpError } from "@/lib/http/route";

/** A decision's refusal as the API's answer: unknown (or another campaign's) is 404, already decided 409. */
export function decisionAnswer(result: DecisionResult) {
  if (result.ok) return { body: { ok: true, contactsDeleted: result.contactsDeleted ?? null } };
  if (result.reason === "already_decided") throw new HttpError(409, "This request was already decided");
  throw new HttpError(404, "Not found");
}
