import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ActivityFeed } from "@/app/_components/activity-feed";
import type { FeedItem } from "./activity";

const item = (n: number, sentence: string): FeedItem => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  cursor: String(n),
  at: `2026-11-23T15:3${n}:00.000Z`,
  action: "member.role_changed",
  category: "members",
  actorKind: "member",
  sentence,
});

describe("ActivityFeed component", () => {
  it("renders each sentence with its time, escaping what it is given", () => {
    const html = renderToStaticMarkup(createElement(ActivityFeed, { items: [item(2, "Alex changed Sam's role to admin"), item(1, "<script>x</script>")], showCategory: true }));
    expect(html).toContain("Alex changed Sam&#x27;s role to admin");
    expect(html).toContain('dateTime="2026-11-23T15:32:00.000Z"');
    expect(html).toContain("23 Nov 2026, 15:32 UTC");
    expect(html).toContain("Members and invitations");
    expect(html).not.toContain("<script>");
    expect(html.indexOf("Alex")).toBeLessThan(html.indexOf("&lt;script&gt;"));
  });

  it("says so when there is nothing to show", () => {
    expect(renderToStaticMarkup(createElement(ActivityFeed, { items: [], empty: "No activity yet." }))).toContain("No activity yet.");
  });
});
