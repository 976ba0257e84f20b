import { describe, expect, it } from "vitest";
import { auditActions } from "./actions";

// Mirrors the audit_events_action_format CHECK constraint (db/migrations/0004_audit.sql): a name the
// database refuses would make every change that records it fail.
const databaseRule = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

describe("audit action names", () => {
  it.each([...auditActions])("%s satisfies the database's action format", (action) => {
    expect(action).toMatch(databaseRule);
  });
});
