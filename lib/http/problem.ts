/** RFC 9457 problem details: the only error shape the API answers with. No stack, SQL or personal data. */
export type Problem = { type?: string; title: string; status: number; detail?: string; requestId?: string; errors?: Record<string, string[]> };

export function problemResponse(problem: Problem, init?: { headers?: Record<string, string> }): Response {
  return new Response(JSON.stringify({ type: problem.type ?? "about:blank", ...problem }), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...init?.headers },
  });
}
