import { describe, expect, it } from "vitest";
import { orgSettingsFormSchema, orgSettingsSchema } from "./settings";

const form = { require2fa: "off", supportAccess: "allowed", auditRetentionDays: "14", trashRetentionDays: "30" };

describe("import retention settings", () => {
  it("default to an hour for uploads, 14 days for result files and 90 days of history", () => {
    expect(orgSettingsSchema.parse({})).toMatchObject({ importUploadMinutes: 60, importResultDays: 14, importHistoryDays: 90 });
  });

  it("keep uploads 1 to 60 minutes, never longer; result files 0 (none) to 14 days", () => {
    const parse = (v: Record<string, string>) => orgSettingsFormSchema.safeParse({ ...form, importUploadMinutes: "60", importResultDays: "14", importHistoryDays: "90", ...v });
    expect(parse({}).success).toBe(true);
    expect(parse({ importUploadMinutes: "1", importResultDays: "0" }).success).toBe(true);
    const tooLong = parse({ importUploadMinutes: "61" });
    expect(tooLong.success).toBe(false);
    expect(tooLong.error?.issues[0]?.message).toBe("At most 60 minutes.");
    expect(parse({ importUploadMinutes: "0" }).success).toBe(false);
    expect(parse({ importResultDays: "15" }).error?.issues[0]?.message).toBe("At most 14 days.");
    expect(parse({ importHistoryDays: "0" }).success).toBe(false);
  });
});
