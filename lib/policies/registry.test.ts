import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONSENT_POLICY_VERSION } from "@/lib/privacy/consent-policy";
import { currentPolicyVersion, policyChanges, policyDocuments, policyVersions, versionConcerns } from "./registry";

const dir = path.resolve(import.meta.dirname, "..", "..", "policies");
const changelog = fs.readFileSync(path.join(dir, "CHANGELOG.md"), "utf8");

/** Publishing a version touches three places; these tests fail until all three agree. */
describe("the policy registry", () => {
  it.each([...policyDocuments])("%s: the document in policies/ carries the registry's current version", (document) => {
    const text = fs.readFileSync(path.join(dir, `${document}.md`), "utf8");
    expect(/^Version: (\S+)$/m.exec(text)?.[1]).toBe(currentPolicyVersion(document).version);
  });

  it("lists every registry version in CHANGELOG.md, and nothing else", () => {
    const headings = [...changelog.matchAll(/^## (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(headings).toEqual(policyVersions.map((v) => `${v.document} ${v.version}`).sort());
  });

  it("uses dates as versions, unique per document, fitting the consent cookie", () => {
    for (const v of policyVersions) expect(v.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Set(policyVersions.map((v) => `${v.document} ${v.version}`)).size).toBe(policyVersions.length);
  });

  it("gives the consent banner the cookie policy's current version", () => {
    expect(CONSENT_POLICY_VERSION).toBe(currentPolicyVersion("cookies").version);
  });

  it("orders changes newest first and picks the newest as current", () => {
    const changes = policyChanges();
    expect(changes.map((c) => c.version)).toEqual([...changes.map((c) => c.version)].sort().reverse());
    expect(currentPolicyVersion("privacy").version).toBe(changes.find((c) => c.document === "privacy")!.version);
  });

  it("concerns only accounts created before the day of publication", () => {
    const v = { document: "privacy" as const, version: "2026-12-06", summary: "x" };
    expect(versionConcerns(v, new Date("2026-12-05T23:59:00Z"))).toBe(true);
    expect(versionConcerns(v, new Date("2026-12-06T08:00:00Z"))).toBe(false);
  });
});
