import { expectTypeOf, it } from "vitest";
import type { AuditEventInput } from "./record";

// Checked by tsc (npm run typecheck): callers get metadata typed by the action.
it("types metadata by action: optional when it has no required field, required and checked otherwise", () => {
  const id = "3f0c4d1e-8a57-4c3b-9d6e-2b1a0f9e8d7c";
  expectTypeOf({ actor: { kind: "member", id }, action: "auth.sign_out" } as const).toExtend<AuditEventInput<"auth.sign_out">>();
  expectTypeOf({ actor: { kind: "member", id }, action: "member.role_changed" } as const).not.toExtend<AuditEventInput<"member.role_changed">>();
  expectTypeOf({ actor: { kind: "member", id }, action: "member.role_changed", metadata: { from: "admin", to: "owner" } } as const).toExtend<
    AuditEventInput<"member.role_changed">
  >();
  expectTypeOf({ actor: { kind: "member", id }, action: "member.role_changed", metadata: { from: "admin", to: "boss" } } as const).not.toExtend<
    AuditEventInput<"member.role_changed">
  >();
  expectTypeOf({ actor: { kind: "member" }, action: "auth.sign_out" } as const).not.toExtend<AuditEventInput<"auth.sign_out">>();
});
