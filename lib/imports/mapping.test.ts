import { describe, expect, it } from "vitest";
import { importChoicesSchema, mapRow, suggestMapping } from "./mapping";
import { duplicatePatch } from "./write";

describe("suggestMapping", () => {
  it("suggests fields from common header names, each field once", () => {
    expect(suggestMapping(["Full Name", "E-mail Address", "Mobile", "ZIP", "VAN ID", "Tags", "Comments", "Email"])).toEqual({
      "0": "name",
      "1": "email",
      "2": "phone",
      "3": "postcode",
      "4": "external_id",
      "5": "tags",
      "6": "notes",
    });
    expect(suggestMapping(["First Name", "Surname", "Street Address", "Town", "State", "Country", "List"])).toEqual({
      "0": "first_name",
      "1": "last_name",
      "2": "address_line1",
      "3": "city",
      "4": "region",
      "5": "country",
      "6": "list",
    });
    expect(suggestMapping(["Favourite colour", ""])).toEqual({});
  });
});

describe("mapRow", () => {
  const mapping = { "0": "first_name", "1": "last_name", "2": "email", "3": "tags", "4": "city", "5": "external_id" };
  it("builds contact values through the shared contact schema", () => {
    expect(mapRow(["Ada", "Lovelace", "ada@example.org", "donor; Ward 5", "London", "V-1"], mapping, ["imported"])).toEqual({
      ok: true,
      values: { name: "Ada Lovelace", email: "ada@example.org", address: { city: "London" }, tags: ["donor", "ward 5", "imported"] },
      externalId: "V-1",
      listName: null,
    });
  });
  it("names the field and the rule of a refused row, never the value", () => {
    const bad = mapRow(["Ada", "", "not-an-email-SECRET", "", "", ""], mapping, []);
    expect(bad).toEqual({ ok: false, field: "email", reason: "Enter an email address like name@example.org" });
    expect(JSON.stringify(bad)).not.toContain("SECRET");
    expect(mapRow(["", "", "x@example.org", "", "", ""], mapping, [])).toMatchObject({ ok: false, field: "name" });
    expect(mapRow(["A", "", "", "", "x".repeat(101), ""], mapping, [])).toMatchObject({ ok: false, field: "city" });
  });
  it("refuses choices without a name column or with a field twice", () => {
    expect(importChoicesSchema.safeParse({ mapping: { "0": "email" }, duplicates: "skip", listId: null, tags: [] }).success).toBe(false);
    expect(importChoicesSchema.safeParse({ mapping: { "0": "name", "1": "name" }, duplicates: "skip", listId: null, tags: [] }).success).toBe(false);
    expect(importChoicesSchema.safeParse({ mapping: { "0": "name" }, duplicates: "merge", listId: null, tags: [] }).success).toBe(false);
  });
});

describe("duplicatePatch", () => {
  const current = { name: "Ada", email: "ada@example.org", phone: null, notes: "old", address: null, tags: ["donor"] };
  const incoming = { name: "Ada L", email: "ada@example.org", phone: "+44 20 7946 0958", notes: "new", tags: ["donor", "wave2"] };
  it("skip changes nothing", () => {
    expect(duplicatePatch("skip", current, incoming)).toEqual({ patch: {}, before: {}, tagsAdded: [] });
  });
  it("fill_empty writes only the empty fields and keeps their before-image", () => {
    expect(duplicatePatch("fill_empty", current, incoming)).toEqual({ patch: { phone: "+44 20 7946 0958", tags: ["donor", "wave2"] }, before: { phone: null }, tagsAdded: ["wave2"] });
  });
  it("overwrite writes every differing field and keeps their before-image", () => {
    expect(duplicatePatch("overwrite", current, incoming)).toEqual({
      patch: { name: "Ada L", phone: "+44 20 7946 0958", notes: "new", tags: ["donor", "wave2"] },
      before: { name: "Ada", phone: null, notes: "old" },
      tagsAdded: ["wave2"],
    });
  });
});
