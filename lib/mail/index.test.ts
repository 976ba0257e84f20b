import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMailer, createOutboxMailer } from "./index";

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-mail-test-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("outbox mailer", () => {
  it("writes each message as a JSON file readable only by its owner (0600, in a 0700 folder)", async () => {
    const outbox = path.join(tempDir(), "outbox");
    const mailer = createOutboxMailer(outbox, "Rampart <no-reply@rampart.test>");
    await mailer.send({ to: "nadia@example.org", subject: "Confirm your email", text: "http://rampart.test/verify-email?token=abc" });
    const files = fs.readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.json$/);
    expect(fs.statSync(outbox).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(outbox, files[0]!)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(path.join(outbox, files[0]!), "utf8"))).toEqual({
      from: "Rampart <no-reply@rampart.test>",
      to: "nadia@example.org",
      subject: "Confirm your email",
      text: "http://rampart.test/verify-email?token=abc",
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("keeps every message in its own file, even when sent at the same moment", async () => {
    const outbox = tempDir();
    const mailer = createOutboxMailer(outbox, "Rampart <no-reply@rampart.test>");
    for (let i = 0; i < 5; i++) await mailer.send({ to: "a@example.org", subject: `message ${i}`, text: "…" });
    await Promise.all([0, 1, 2].map((i) => mailer.send({ to: "b@example.org", subject: `parallel ${i}`, text: "…" })));
    const files = fs.readdirSync(outbox).sort();
    expect(files).toHaveLength(8);
    const subjects = files.map((f) => (JSON.parse(fs.readFileSync(path.join(outbox, f), "utf8")) as { subject: string }).subject);
    expect(subjects.sort()).toEqual(["message 0", "message 1", "message 2", "message 3", "message 4", "parallel 0", "parallel 1", "parallel 2"]);
  });

  it("is what the embedded configuration gets; SMTP when a URL is configured", async () => {
    const outbox = tempDir();
    await createMailer({ kind: "outbox", dir: outbox, from: "Rampart <no-reply@rampart.test>" }).send({ to: "c@example.org", subject: "s", text: "t" });
    expect(fs.readdirSync(outbox)).toHaveLength(1);
    // Nothing is sent (or connected) until the first message: creating the SMTP mailer is free.
    expect(createMailer({ kind: "smtp", url: "smtp://127.0.0.1:1", from: "Rampart <no-reply@rampart.test>" })).toHaveProperty("send");
  });
});
