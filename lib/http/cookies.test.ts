import { describe, expect, it } from "vitest";
import { cookieName, readCookie, serializeCookie } from "./cookies";

describe("cookies", () => {
  it("uses the __Host- prefix over https only", () => {
    expect(cookieName("consent", true)).toBe("__Host-rampart-consent");
    expect(cookieName("consent", false)).toBe("rampart-consent");
  });

  it("serialises with Path=/, SameSite=Lax, HttpOnly and Secure as asked, and no Domain", () => {
    const c = serializeCookie({ name: "__Host-rampart-consent", value: "v", maxAgeSeconds: 60, httpOnly: true, secure: true });
    const parts = c.split("; ");
    expect(parts[0]).toBe("__Host-rampart-consent=v");
    expect(parts).toEqual(expect.arrayContaining(["Path=/", "Max-Age=60", "SameSite=Lax", "HttpOnly", "Secure"]));
    expect(c).not.toMatch(/Domain=/i);
    expect(serializeCookie({ name: "a", value: "b", maxAgeSeconds: 0, httpOnly: false, secure: false })).not.toMatch(/HttpOnly|Secure/);
  });

  it("reads one cookie by exact name", () => {
    const header = "x-rampart-consent=evil; rampart-consent=v1.abc; other=1";
    expect(readCookie(header, "rampart-consent")).toBe("v1.abc");
    expect(readCookie(header, "missing")).toBeUndefined();
    expect(readCookie(null, "rampart-consent")).toBeUndefined();
  });
});
