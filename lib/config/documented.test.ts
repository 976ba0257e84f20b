import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configVariables } from "./index";

const root = path.resolve(import.meta.dirname, "../..");

describe("configuration documentation", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const example = fs.readFileSync(path.join(root, ".env.example"), "utf8");

  it.each(configVariables.map((v) => v.name))("documents %s in the README and .env.example", (name) => {
    expect(readme).toContain(`\`${name}\``);
    expect(example).toMatch(new RegExp(`^# ${name}=`, "m"));
  });
});
