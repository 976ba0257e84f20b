import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routeGroup, statusClass } from "./index";

const root = path.resolve(import.meta.dirname, "../..");
const folders = (dir: string) =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

describe("route groups for metric labels", () => {
  it("keeps the area and drops slugs, ids and everything below", () => {
    expect(routeGroup("/api/health")).toBe("api/health");
    expect(routeGroup("/api/health/ready")).toBe("api/health");
    expect(routeGroup("/api/cron/jobs")).toBe("api/cron");
    expect(routeGroup("/api/auth/callback/credentials")).toBe("api/auth");
    expect(routeGroup("/api/o/demo-campaign/contacts/0b7c6d4e-1111-4111-8111-111111111111")).toBe("api/o/contacts");
    expect(routeGroup("/api/o/demo-campaign")).toBe("api/o");
    expect(routeGroup("/o/demo-campaign/contacts")).toBe("other");
    expect(routeGroup("/api/Person@Example.org")).toBe("other");
    expect(statusClass(404)).toBe("4xx");
  });

  it("relies on static folders at the levels it reads: app/api/* and app/api/o/[org]/*", () => {
    const levels = [folders("app/api"), folders("app/api/o/[org]")];
    expect(levels[0]).toContain("health");
    expect(levels[1]).toContain("contacts");
    for (const names of levels) for (const name of names) expect(name, "a dynamic folder would put request values into labels").toMatch(/^[a-z][a-z0-9-]*$/);
    expect(folders("app/api/o")).toEqual(["[org]"]);
  });
});
