import { HttpError } from "@/lib/http/route";

/** No API body may be larger; anything bigger is refused before any of it is parsed. */
export const API_MAX_BODY_BYTES = 1024 * 1024;

/** Reads the body as text, stopping at `maxBytes` (a Content-Length over the cap is refused before reading at all). */
export async function readCappedBody(request: Request, maxBytes = API_MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, "Request body too large", `At most ${maxBytes} bytes`);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new HttpError(413, "Request body too large", `At most ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
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
