import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiIdempotencyKeys } from "@/db/schema";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { pruneIdempotencyKeys, storeAnswer } from "./idempotency";
import { loadApiTokenSettings, revokeOwnApiToken } from "./settings";
import { issueApiToken } from "./tokens";

describe("API tokens on the settings page", () => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const issue = (userId: string, role: "owner" | "admin" | "volunteer", now?: Date) =>
    withTenant(t.db, { orgId: f.orgA, userId }, (tx) => issueApiToken(tx, { orgId: f.orgA, userId, role }, { name: "sheet", scopes: ["contacts:read"] }, { now }));

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    f = await seedWorkspaceFixture(t.db, "apisettings");
  });
  afterAll(async () => t?.drop());

  it("lists the person's own tokens per campaign with their state and the scopes their role allows", async () => {
    const live = await issue(f.volunteer, "volunteer");
    const old = await issue(f.volunteer, "volunteer", new Date(Date.now() - 25 * 3600_000));
    await issue(f.admin, "admin");
    const [campaign, ...others] = await loadApiTokenSettings(t.db, f.volunteer);
    expect(others).toEqual([]);
    expect(campaign!.scopes).toEqual(["contacts:read", "actions:read", "reports:read", "reports:write", "activity:read"]);
    expect(campaign!.tokens.map((x) => [x.id, x.state])).toEqual(expect.arrayContaining([[live.id, "active"], [old.id, "expired"]]));
    expect(campaign!.tokens).toHaveLength(2);
    expect(JSON.stringify(campaign)).not.toContain("rpt_");
  });

  it("revokes one's own token and not someone else's", async () => {
    const mine = await issue(f.admin, "admin");
    const theirs = await issue(f.owner, "owner");
    await expect(revokeOwnApiToken(t.db, { orgId: f.orgA, userId: f.admin, role: "admin" }, theirs.id, "req-1")).rejects.toThrow(/no longer active/);
    await revokeOwnApiToken(t.db, { orgId: f.orgA, userId: f.admin, role: "admin" }, mine.id, "req-2");
    const [campaign] = await loadApiTokenSettings(t.db, f.admin);
    expect(campaign!.tokens.find((x) => x.id === mine.id)?.state).toBe("revoked");
    expect((await loadApiTokenSettings(t.db, f.owner))[0]!.tokens.find((x) => x.id === theirs.id)?.state).toBe("active");
  });

  it("prunes idempotency answers past their 24 hours", async () => {
    const token = await issue(f.admin, "admin");
    const owner = { tokenId: token.id, orgId: f.orgA, userId: f.admin };
    await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => storeAnswer(tx, owner, "k", "fp", { status: 201, body: { ok: true } }));
    expect(await pruneIdempotencyKeys(t.db, new Date())).toBe(0);
    expect(await pruneIdempotencyKeys(t.db, new Date(Date.now() + 25 * 3600_000))).toBe(1);
    expect(await withSystem(t.db, (tx) => tx.select().from(apiIdempotencyKeys).where(eq(apiIdempotencyKeys.tokenId, token.id)))).toEqual([]);
  });
});
