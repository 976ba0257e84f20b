import { describe, expect, it } from "vitest";
import { clientAddressFromHops } from "./forwarded";

describe("client address behind a known number of proxies", () => {
  it("ignores a forged X-Forwarded-For when no proxy is trusted", () => {
    expect(clientAddressFromHops("203.0.113.5", "198.51.100.7", 0)).toBe("198.51.100.7");
    expect(clientAddressFromHops("1.1.1.1, 2.2.2.2", "198.51.100.7", 0)).toBe("198.51.100.7");
  });

  it("takes the hop the trusted proxy saw", () => {
    // The client forged 1.1.1.1; the proxy appended the real client 203.0.113.5 and connected from 10.0.0.2.
    expect(clientAddressFromHops("1.1.1.1, 203.0.113.5", "10.0.0.2", 1)).toBe("203.0.113.5");
    expect(clientAddressFromHops("1.1.1.1, 203.0.113.5, 10.0.0.9", "10.0.0.2", 2)).toBe("203.0.113.5");
  });

  it("never reaches past the first hop, and copes with an absent or repeated header", () => {
    expect(clientAddressFromHops(undefined, "198.51.100.7", 3)).toBe("198.51.100.7");
    expect(clientAddressFromHops(["1.1.1.1", "203.0.113.5"], "10.0.0.2", 1)).toBe("203.0.113.5");
  });
});
