import { describe, expect, it } from "vitest";
import { GENESIS_HASH, archiveLine, canonicalContent, canonicalJson, eventHash, parseArchiveLine, type ChainedEvent } from "./chain";

const base: ChainedEvent = {
  id: "7d9f0f0e-5b7c-4a43-9d59-0b9b3f0a1c2d",
  orgId: null,
  accountShard: 3,
  seq: 1,
  actorKind: "member",
  actorId: "11111111-1111-4111-8111-111111111111",
  action: "member.role_changed",
  targetType: "user",
  targetId: "22222222-2222-4222-8222-222222222222",
  metadata: { to: "admin", from: "volunteer" },
  clientAddressHash: null,
  requestId: null,
  createdAt: new Date("2026-11-23T15:30:34.519Z"),
  prevHash: GENESIS_HASH,
};

describe("hash chain", () => {
  it("canonical JSON ignores key order at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"x":2,"y":1}]},"b":1}');
    expect(eventHash({ ...base, metadata: { from: "volunteer", to: "admin" } })).toBe(eventHash(base));
  });

  it("changes the hash when any field or the previous link changes", () => {
    const h = eventHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    const variants: Partial<ChainedEvent>[] = [
      { seq: 2 },
      { orgId: "33333333-3333-4333-8333-333333333333" },
      { actorKind: "staff" },
      { actorId: null },
      { action: "member.removed" },
      { targetId: null },
      { metadata: { from: "volunteer", to: "owner" } },
      { clientAddressHash: "abcdefghijklmnopqrstuv" },
      { requestId: "r1" },
      { createdAt: new Date("2026-11-23T15:30:34.520Z") },
      { prevHash: "f".repeat(64) },
    ];
    for (const v of variants) expect(eventHash({ ...base, ...v }), JSON.stringify(v)).not.toBe(h);
  });

  it("keeps null and absent apart from empty strings", () => {
    expect(canonicalContent({ ...base, requestId: "" })).not.toBe(canonicalContent(base));
  });

  it("round-trips an event through an archive line unchanged", () => {
    const sealed = { ...base, hash: eventHash(base) };
    const back = parseArchiveLine(archiveLine(sealed));
    expect(back).toEqual(sealed);
    expect(eventHash(back)).toBe(sealed.hash);
  });
});
