import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamptz } from "./columns";

/** Facts about the database itself, e.g. whether it was created empty for the demo data. */
export const systemMeta = pgTable("system_meta", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamptz("updated_at").notNull().defaultNow(),
});

/** Counters of the PostgreSQL-backed rate limiter (sliding window over two fixed windows). */
export const rateLimitHits = pgTable(
  "rate_limit_hits",
  {
    key: text("key").notNull(),
    windowStart: bigint("window_start", { mode: "number" }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);
