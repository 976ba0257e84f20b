import { describe, expect, it } from "vitest";
import { isSameOriginRequest } from "./origin";

const APP = "https://rampart.example.org";
const check = (headers: Record<string, string>, appUrl = APP) => isSameOriginRequest(new Headers(headers), appUrl);

describe("isSameOriginRequest", () => {
  it("accepts the app's own origin", () => {
    expect(check({ origin: APP, host: "rampart.example.org", "sec-fetch-site": "same-origin" })).toBe(true);
  });

  it("accepts the origin of the host the browser addressed (app reached under another name)", () => {
    expect(check({ origin: "http://127.0.0.1:3100", host: "127.0.0.1:3100" }, "http://localhost:3100")).toBe(true);
    expect(check({ origin: "https://rampart.internal", host: "rampart.internal" })).toBe(true);
  });

  it.each(["https://evil.example", "https://rampart.example.org.evil.example", "http://rampart.example.org", "https://sub.rampart.example.org"])(
    "refuses the cross-origin Origin %s",
    (origin) => {
      expect(check({ origin, host: "rampart.example.org" })).toBe(false);
    },
  );

  it("refuses the opaque origin 'null' (sandboxed frames, data: URLs)", () => {
    expect(check({ origin: "null", host: "rampart.example.org" })).toBe(false);
  });

  it("refuses a malformed Origin", () => {
    expect(check({ origin: "not a url", host: "rampart.example.org" })).toBe(false);
  });

  it.each(["cross-site", "same-site"])("refuses a request without Origin whose Sec-Fetch-Site is %s", (site) => {
    expect(check({ "sec-fetch-site": site, host: "rampart.example.org" })).toBe(false);
  });

  it.each(["same-origin", "none"])("accepts a request without Origin whose Sec-Fetch-Site is %s", (site) => {
    expect(check({ "sec-fetch-site": site })).toBe(true);
  });

  it("accepts a non-browser client that sends neither header", () => {
    expect(check({ host: "rampart.example.org" })).toBe(true);
  });
});
