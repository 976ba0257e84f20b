import type { NewCampaignActionInput } from "@/lib/campaign-actions/input";

const ASSIGNEE_PREFIX = "assignee:";

/** The form's fields as the lib takes them; each member is a checkbox named assignee:<id> (the action wrappers read a form with Object.fromEntries: one value per name). */
export function fromForm(raw: Record<string, unknown>): NewCampaignActionInput {
  const text = (key: string) => (typeof raw[key] === "string" ? (raw[key] as string) : undefined);
  return {
    // The lib's schema checks the kind; the cast only lets an unchecked string reach it.
    kind: text("kind") as NewCampaignActionInput["kind"],
    title: text("title") ?? "",
    instructions: text("instructions") ?? "",
    startsAt: text("startsAt") ?? "",
    endsAt: text("endsAt") ?? "",
    assignees: Object.keys(raw)
      .filter((k) => k.startsWith(ASSIGNEE_PREFIX) && raw[k] === "on")
      .map((k) => k.slice(ASSIGNEE_PREFIX.length)),
    listId: text("listId"),
    tag: text("tag"),
  };
}
