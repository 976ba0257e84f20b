import { describe, expect, it } from "vitest";
import { z } from "zod";
import { NotFoundError, RuleError } from "@/lib/errors";
import { formStateFromError } from "./action";

describe("the action wrapper's answer to a refusal", () => {
  it("shows a rule's message and field errors as they are", () => {
    expect(formStateFromError(new RuleError("A campaign always needs an owner.", { fieldErrors: { role: "Pick another role." } }))).toEqual({
      message: "A campaign always needs an owner.",
      fieldErrors: { role: "Pick another role." },
    });
    expect(formStateFromError(new NotFoundError("That contact does not exist or is not available to you."))).toEqual({
      message: "That contact does not exist or is not available to you.",
      fieldErrors: undefined,
    });
  });

  it("keys schema issues by the form's input names (the innermost named segment)", () => {
    const schema = z.object({ name: z.string().min(1, "Enter a name"), address: z.object({ city: z.string().max(3, "Too long") }), tags: z.array(z.string().max(2, "Short tags")) });
    const err = schema.safeParse({ name: "", address: { city: "Leeds" }, tags: ["ok", "toolong"] }).error;
    expect(formStateFromError(err)).toEqual({
      message: "Please correct the highlighted fields.",
      fieldErrors: { name: "Enter a name", city: "Too long", tags: "Short tags" },
    });
  });

  it("leaves anything else to be logged and answered with a reference, never its text", () => {
    expect(formStateFromError(new Error("relation \"contacts\" does not exist"))).toBeNull();
    expect(formStateFromError("boom")).toBeNull();
  });
});
