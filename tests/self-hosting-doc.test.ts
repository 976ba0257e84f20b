import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { selfHostSteps } from "@/scripts/lib/self-host";

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const doc = read("docs/self-hosting.md");
/** The "Without Docker" shell block: the steps scripts/self-host-check.ts runs. */
const withoutDocker = (text: string) => /### Without Docker[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? "";

describe("self-hosting steps", () => {
  it("the README's Self-hosting section is docs/self-hosting.md", () => {
    const body = doc.split("\n").slice(1).join("\n").trim();
    expect(read("README.md")).toContain(`## Self-hosting\n\n${body}\n`);
  });

  it("the document's steps are the ones the check runs, in order", () => {
    const lines = withoutDocker(doc).trim().split("\n");
    expect(lines[0]).toBe(selfHostSteps.install);
    const exported = lines.filter((l) => l.startsWith("export ")).map((l) => l.slice("export ".length).split("=")[0]);
    expect(exported).toEqual([...selfHostSteps.env]);
    expect(lines).toContain("export RAMPART_BACKGROUND=off");
    const commands = lines.filter((l) => l.startsWith("npm run") || l.startsWith("npm start"));
    expect(commands).toEqual([selfHostSteps.migrate, selfHostSteps.app, selfHostSteps.worker]);
    expect(lines.filter((l) => l.startsWith("curl")).map((l) => new URL(l.split(" ").at(-1)!).pathname)).toEqual([...selfHostSteps.probes]);
  });

  it("compose runs PostgreSQL, Redis, the app without background work, and the worker, with keys from the environment", () => {
    // Compose resolves YAML merge keys (<<: *rampart-env).
    const compose = parse(read("compose.yaml"), { merge: true }) as { services: Record<string, { environment?: Record<string, string>; command?: string[]; image?: string }> };
    expect(Object.keys(compose.services).sort()).toEqual(["app", "postgres", "redis", "worker"]);
    const { app, worker } = compose.services;
    expect(app!.environment!.RAMPART_BACKGROUND).toBe("off");
    expect(worker!.command).toEqual(selfHostSteps.worker.split(" "));
    for (const name of ["DATABASE_URL", "REDIS_URL", "RAMPART_MASTER_KEYS", "AUTH_SECRET"]) {
      expect(app!.environment![name], name).toBeTruthy();
      expect(worker!.environment![name], name).toBe(app!.environment![name]);
    }
    expect(app!.environment!.RAMPART_MASTER_KEYS).toMatch(/^\$\{RAMPART_MASTER_KEYS:\?/);
    expect(app!.environment!.AUTH_SECRET).toMatch(/^\$\{AUTH_SECRET:\?/);
  });

  it("the image builds from the lock, runs npm start as a non-root user and probes liveness", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["npm", "start"\]$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/api\/health\/live/);
    expect(read(".dockerignore")).toMatch(/^\.env$/m);
    expect(read(".dockerignore")).toMatch(/^\.data$/m);
  });

  it("vercel.json schedules the cron route", () => {
    const vercel = JSON.parse(read("vercel.json")) as { crons: { path: string; schedule: string }[] };
    expect(vercel.crons).toContainEqual({ path: "/api/cron/jobs", schedule: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) });
  });
});
