import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { metricNames } from "@/lib/metrics";

type Rule = { alert?: string; expr?: unknown; for?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
type RuleFile = { groups?: { name?: string; rules?: Rule[] }[] };

const file = path.resolve(import.meta.dirname, "../ops/prometheus/alerts.yml");
const rules = () => ((parse(fs.readFileSync(file, "utf8")) as RuleFile).groups ?? []).flatMap((g) => g.rules ?? []);
/** Prometheus's own series besides the app's: `up` from every scrape. */
const PROMETHEUS_SERIES = new Set(["up"]);
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

describe("Prometheus alert rules (ops/prometheus/alerts.yml)", () => {
  it("is a rules file: groups of rules, each with a name, an expression, a severity and a summary", () => {
    const all = rules();
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const rule of all) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^Rampart[A-Za-z]+$/);
      expect(typeof rule.expr, rule.alert).toBe("string");
      expect(["page", "warn"], rule.alert).toContain(rule.labels?.severity);
      expect(typeof rule.annotations?.summary, rule.alert).toBe("string");
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smhd]$/);
    }
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
  });

  it("covers the obvious failures", () => {
    const names = rules().map((r) => r.alert);
    for (const alert of ["RampartInstanceDown", "RampartNotReady", "RampartHighServerErrorRate", "RampartSignInFailureSpike", "RampartRateLimitRefusalSpike", "RampartJobFailed", "RampartBackupTooOld"])
      expect(names).toContain(alert);
  });

  it("names only metrics the app exports (or Prometheus's own up)", async () => {
    const exported = new Set(await metricNames());
    for (const rule of rules()) {
      const referenced = [...String(rule.expr).matchAll(/\b(rampart_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!);
      expect(referenced.length, rule.alert).toBeGreaterThan(0);
      for (const name of referenced) {
        const known = PROMETHEUS_SERIES.has(name) || exported.has(name) || (HISTOGRAM_SUFFIX.test(name) && exported.has(name.replace(HISTOGRAM_SUFFIX, "")));
        expect(known, `${rule.alert} references ${name}`).toBe(true);
      }
    }
  });
});
