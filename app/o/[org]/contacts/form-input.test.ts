import { describe, expect, it } from "vitest";
import { contactInputSchema } from "@/lib/contacts/input";
import { contactFromForm } from "./form-input";

describe("the contact form's input", () => {
  it("reads the flat form as a contact: address fields grouped, tags split on commas", () => {
    const input = contactFromForm({ org: "x", name: " Ada ", email: "", city: "Leeds", line1: "", tags: " donor, ward-5 ,, " });
    expect(contactInputSchema.parse(input)).toEqual({ name: "Ada", address: { city: "Leeds" }, tags: ["donor", "ward-5"] });
  });
});
