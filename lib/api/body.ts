import { HttpError } from "@/lib/http/route";
import { readCapped } from "@/lib/streams";

/** No API body may be larger; anything bigger is refused before any of it is parsed. */
export const API_MAX_BODY_BYTES = 1024 * 1024;

/** Reads the body as text, stopping at `maxBytes` (a Content-Length over the cap is refused before reading at all). */
export async function readCappedBody(request: Request, maxBytes = API_MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, "Request body too large", `At most ${maxBytes} bytes`);
  if (!request.body) return "";
  const bytes = await readCapped(request.body, maxBytes);
  if (!bytes) throw new HttpError(413, "Request body too large", `At most ${maxBytes} bytes`);
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

/** Parses a JSON body of a request that must declare it as JSON. */
export function parseJsonText(contentType: string | null, text: string): unknown {
  if (!/^application\/(?:[a-z0-9.+-]*\+)?json\s*(?:;|$)/i.test(contentType ?? "")) throw new HttpError(415, "Send the body as application/json");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON");
  }
}
