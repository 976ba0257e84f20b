import { describe, expect, it } from "vitest";
import { newCampaignActionSchema } from "@/lib/campaign-actions/input";
import { fromForm } from "./form-input";

const a = "7d7f4a4e-8a53-4f43-9a52-7c1b8e0f0a01";
const b = "0c5e2b5e-2f0a-4f1e-8f55-3f1f4b7e9b02";

describe("fromForm", () => {
  it("collects ticked members, reads empty dates as none and empty choices as not chosen", () => {
    const parsed = newCampaignActionSchema.parse(
      fromForm({ org: "x", kind: "call", title: " Calls ", instructions: "", startsAt: "2026-05-01T10:00", endsAt: "", [`assignee:${a}`]: "on", [`assignee:${b}`]: "off", listId: "", tag: "" }),
    );
    expect(parsed).toEqual({ kind: "call", title: "Calls", instructions: null, startsAt: new Date("2026-05-01T10:00Z"), endsAt: null, assignees: [a], listId: undefined, tag: undefined });
  });

  it("lets the schema refuse what the form cannot express", () => {
    expect(() => newCampaignActionSchema.parse(fromForm({ kind: "poster", title: "" }))).toThrow(/Choose a kind[\s\S]*Enter a title/);
  });
});
