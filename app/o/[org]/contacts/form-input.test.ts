import { describe, expect, it } from "vitest";
import { ContactNotFoundError, ContactRuleError } from "@/lib/contacts/contacts";
import { contactInputSchema } from "@/lib/contacts/store";
import { contactErrors, contactFromForm } from "./form-input";

describe("the contact form's input", () => {
  it("reads the flat form as a contact: address fields grouped, tags split on commas", () => {
    const input = contactFromForm({ org: "x", name: " Ada ", email: "", city: "Leeds", line1: "", tags: " donor, ward-5 ,, " });
    expect(contactInputSchema.parse(input)).toEqual({ name: "Ada", address: { city: "Leeds" }, tags: ["donor", "ward-5"] });
  });

  it("reports zod issues under the form's input names", async () => {
    const state = await contactErrors(async () => {
      contactInputSchema.parse(contactFromForm({ name: "", email: "nope", postcode: "x".repeat(30), tags: "ok, no/slash" }));
      return { ok: true };
    });
    expect(state.fieldErrors).toEqual({
      name: "Enter a name",
      email: "Enter an email address like name@example.org",
      postcode: "Postcode is too long (at most 20 characters)",
      tags: "A tag is 1 to 40 letters, digits, spaces, '-' or '_'",
    });
  });

  it("shows the rules' refusals as messages and lets anything else through", async () => {
    expect(await contactErrors(async () => Promise.reject(new ContactRuleError("No.")))).toEqual({ message: "No." });
    expect((await contactErrors(async () => Promise.reject(new ContactNotFoundError()))).message).toMatch(/not available/);
    await expect(contactErrors(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  });
});
