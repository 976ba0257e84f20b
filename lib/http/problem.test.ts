import { describe, expect, it } from "vitest";
import { problemResponse } from "./problem";

describe("problemResponse", () => {
  it("answers application/problem+json, uncached, with the status in body and response", async () => {
    const res = problemResponse({ status: 403, title: "Cross-site request refused", requestId: "r1" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ type: "about:blank", title: "Cross-site request refused", status: 403, requestId: "r1" });
  });
});
