import { describe, expect, it } from "vitest";
import { AuditMetadataError, assertSafeMetadata, personalDataIn } from "./metadata";
import { AuditEventError, prepareAuditEvent } from "./record";

const actor = { kind: "member", id: "3f0c4d1e-8a57-4c3b-9d6e-2b1a0f9e8d7c" } as const;

describe("personal data in audit metadata", () => {
  it.each([
    ["alex@example.org", "an email address"],
    ["contact: Sam.Smith+news@mail.example.co.uk", "an email address"],
    ["+44 20 7946 0958", "a phone number"],
    ["(555) 123-4567", "a phone number"],
    ["07700900123", "a phone number"],
    ["call 555.123.4567 now", "a phone number"],
  ])("finds %s", (value, kind) => {
    expect(personalDataIn(value)).toBe(kind);
  });

  it.each([
    "3f0c4d1e-8a57-4c3b-9d6e-446655440000",
    "2026-11-23T15:30:34.519Z",
    "2026-11-23",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "RS-1042",
    "contacts",
    "v2",
  ])("lets %s through", (value) => {
    expect(personalDataIn(value)).toBeNull();
  });

  it("refuses keys meant for personal data or secrets, at any depth", () => {
    expect(() => assertSafeMetadata({ email: "x" })).toThrow(AuditMetadataError);
    expect(() => assertSafeMetadata({ nested: { phone: "x" } })).toThrow(/personal data/);
    expect(() => assertSafeMetadata({ password: "x" })).toThrow(AuditMetadataError);
    expect(() => assertSafeMetadata({ list: ["ok", { name: "Alex" }] })).toThrow(AuditMetadataError);
  });

  it("refuses emails and phone numbers in values, nested too", () => {
    expect(() => assertSafeMetadata({ note: "alex@example.org" })).toThrow(/email address/);
    expect(() => assertSafeMetadata({ deep: { list: ["+1 415 555 0100"] } })).toThrow(/phone number/);
  });

  it("refuses large, deep, non-JSON or odd metadata", () => {
    expect(() => assertSafeMetadata({ s: "x".repeat(201) })).toThrow(/longer/);
    expect(() => assertSafeMetadata({ a: { b: { c: { d: 1 } } } })).toThrow(/deeply/);
    expect(() => assertSafeMetadata({ when: new Date() as unknown as string })).toThrow(/plain JSON/);
    expect(() => assertSafeMetadata({ n: Number.NaN })).toThrow(/finite/);
    expect(() => assertSafeMetadata({ "bad key": 1 })).toThrow(/identifier/);
    expect(() => assertSafeMetadata({ s: "line\nbreak" })).toThrow(/control/);
    expect(() => assertSafeMetadata({ keys: Array.from({ length: 40 }, () => "x".repeat(60)) })).toThrow(/larger/);
  });

  it("accepts the small structural metadata the actions use", () => {
    expect(() => assertSafeMetadata({ from: "admin", to: "volunteer", keys: ["auditRetentionDays"], count: 3, ok: true, none: null })).not.toThrow();
  });
});

describe("prepareAuditEvent", () => {
  it("validates metadata by the action's schema", () => {
    expect(prepareAuditEvent({ actor, action: "member.role_changed", metadata: { from: "admin", to: "volunteer" } }).metadata).toEqual({
      from: "admin",
      to: "volunteer",
    });
    expect(() => prepareAuditEvent({ actor, action: "member.role_changed", metadata: { from: "admin", to: "boss" as "admin" } })).toThrow(AuditMetadataError);
    // Unknown fields are refused, so nobody slips a name in beside the expected ones.
    expect(() =>
      prepareAuditEvent({ actor, action: "member.role_changed", metadata: { from: "admin", to: "owner", note: "Alex" } as never }),
    ).toThrow(AuditMetadataError);
  });

  it("refuses an email or phone number reaching metadata through an allowed string field", () => {
    expect(() => prepareAuditEvent({ actor, action: "support_access.granted", metadata: { ticket: "alex@example.org" } })).toThrow(AuditMetadataError);
    expect(() => prepareAuditEvent({ actor, action: "support_access.granted", metadata: { ticket: "07700900123" } })).toThrow(AuditMetadataError);
    expect(() => prepareAuditEvent({ actor, action: "support_access.granted", metadata: { ticket: "RS-1042" } })).not.toThrow();
  });

  it("refuses unknown actions, bad actors, bad targets and raw addresses", () => {
    expect(() => prepareAuditEvent({ actor, action: "contact.stolen" as "contact.deleted" })).toThrow(AuditEventError);
    expect(() => prepareAuditEvent({ actor: { kind: "member", id: "alex@example.org" }, action: "auth.sign_out" })).toThrow(/UUID/);
    expect(() => prepareAuditEvent({ actor: { kind: "system", id: actor.id } as never, action: "auth.sign_out" })).toThrow(/no id/);
    expect(() => prepareAuditEvent({ actor, action: "contact.deleted", target: { type: "contact", id: "alex@example.org" } })).toThrow(/opaque/);
    expect(() => prepareAuditEvent({ actor, action: "contact.deleted", target: { type: "contact", id: "447700900123" } })).toThrow(/phone/);
    expect(() => prepareAuditEvent({ actor, action: "contact.deleted", target: { type: "person" as "contact", id: actor.id } })).toThrow(/target type/);
    expect(() => prepareAuditEvent({ actor, action: "auth.sign_out", clientAddressHash: "203.0.113.7" })).toThrow(/hashClientAddress/);
    expect(() => prepareAuditEvent({ orgId: "acme", actor, action: "auth.sign_out" })).toThrow(/orgId/);
  });

  it("drops a request id that is not a plain token rather than storing it", () => {
    expect(prepareAuditEvent({ actor, action: "auth.sign_out", requestId: "alex@example.org" }).requestId).toBeNull();
    expect(prepareAuditEvent({ actor, action: "auth.sign_out", requestId: "7d9f0f0e-5b7c-4a43-9d59-0b9b3f0a1c2d" }).requestId).toBe(
      "7d9f0f0e-5b7c-4a43-9d59-0b9b3f0a1c2d",
    );
  });

  it("lowercases ids so row-level security and the feed compare them as stored", () => {
    const e = prepareAuditEvent({ actor: { kind: "member", id: actor.id.toUpperCase() }, action: "member.removed", target: { type: "user", id: actor.id.toUpperCase() } });
    expect(e.actorId).toBe(actor.id);
    expect(e.targetId).toBe(actor.id);
  });
});
