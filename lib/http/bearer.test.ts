import { describe, expect, it } from "vitest";
import { checkBearer } from "./bearer";

const withAuth = (value?: string) => new Headers(value === undefined ? {} : { authorization: value });

describe("bearer secret check", () => {
  const secret = "s3cret-value-with-enough-length";

  it("accepts exactly the secret", () => {
    expect(checkBearer(withAuth(`Bearer ${secret}`), secret)).toBe("ok");
    expect(checkBearer(withAuth(`bearer ${secret}`), secret)).toBe("ok");
  });

  it("refuses a missing header, another scheme, an empty token", () => {
    expect(checkBearer(withAuth(), secret)).toBe("missing");
    expect(checkBearer(withAuth(`Basic ${secret}`), secret)).toBe("missing");
    expect(checkBearer(withAuth("Bearer "), secret)).toBe("missing");
  });

  it("refuses a prefix, an extension, a different case and a different length alike", () => {
    for (const wrong of [secret.slice(0, -1), `${secret}x`, secret.toUpperCase(), "x"]) expect(checkBearer(withAuth(`Bearer ${wrong}`), secret)).toBe("wrong");
  });
});
