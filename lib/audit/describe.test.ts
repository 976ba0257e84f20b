import { describe, expect, it } from "vitest";
import { auditActions } from "./actions";
import { describeEvent, type DescribableEvent } from "./describe";

const alex = "11111111-1111-4111-8111-111111111111";
const sam = "22222222-2222-4222-8222-222222222222";
const hidden = "33333333-3333-4333-8333-333333333333";
const names = (id: string) => ({ [alex]: "Alex", [sam]: "Sam" })[id];

const event = (e: Partial<DescribableEvent>): DescribableEvent => ({
  actorKind: "member",
  actorId: alex,
  action: "auth.sign_out",
  targetType: null,
  targetId: null,
  metadata: {},
  ...e,
});

describe("describeEvent", () => {
  it("reads like a sentence with names resolved at display time", () => {
    const e = event({ action: "member.role_changed", targetType: "user", targetId: sam, metadata: { from: "volunteer", to: "admin" } });
    expect(describeEvent(e, names)).toBe("Alex changed Sam's role to admin");
  });

  it("speaks to the viewer in the second person", () => {
    const e = event({ action: "member.role_changed", targetType: "user", targetId: sam, metadata: { from: "volunteer", to: "admin" } });
    expect(describeEvent(e, names, { viewerId: sam })).toBe("Alex changed your role to admin");
    expect(describeEvent(e, names, { viewerId: alex })).toBe("You changed Sam's role to admin");
    expect(describeEvent(event({ action: "auth.password.changed" }), names, { viewerId: alex })).toBe("You changed your password");
    expect(describeEvent(event({ action: "auth.password.changed" }), names)).toBe("Alex changed their password");
  });

  it("says 'a member' for people the resolver does not name", () => {
    const e = event({ actorId: hidden, action: "member.removed", targetType: "user", targetId: hidden });
    expect(describeEvent(e, names)).toBe("A member removed a member from the campaign");
  });

  it("names staff, the system and tokens by role, never by person", () => {
    expect(describeEvent(event({ actorKind: "staff", actorId: alex, action: "support_access.used", metadata: { resource: "contacts", count: 3 } }), names)).toBe(
      "Rampart support viewed 3 contacts",
    );
    expect(describeEvent(event({ actorKind: "system", actorId: null, action: "audit.archived", metadata: { firstSeq: 1, lastSeq: 10, events: 10 } }), names)).toBe(
      "Rampart archived 10 older activity events",
    );
    expect(describeEvent(event({ actorKind: "api_token", actorId: alex, action: "contact.created" }), names)).toBe("An API token added a contact");
  });

  it("describes failed sign-ins to the person whose account it was", () => {
    const e = event({ actorKind: "anonymous", actorId: null, action: "auth.sign_in.failed", targetType: "user", targetId: sam, metadata: { reason: "invalid_credentials" } });
    expect(describeEvent(e, names, { viewerId: sam })).toBe("A sign-in to your account failed (wrong password)");
    expect(describeEvent(event({ ...e, targetId: null, targetType: null }), names)).toBe("A sign-in failed (wrong password)");
  });

  it("has a sentence for every action, with and without metadata", () => {
    for (const action of auditActions) {
      const s = describeEvent(event({ action, targetType: "user", targetId: sam }), names);
      expect(s, action).toMatch(/^[A-Z]/);
      expect(s, action).not.toMatch(/undefined|null|NaN|\[object/);
    }
  });

  it("falls back for an action it does not know", () => {
    expect(describeEvent(event({ action: "future.thing" }), names)).toBe("Something happened");
  });
});
