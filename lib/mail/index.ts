import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { getConfig, type Config } from "@/lib/config";

export type MailMessage = { to: string; subject: string; text: string };
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Development and tests: each message becomes a JSON file in `.data/outbox/`, newest last by name. */
export function createOutboxMailer(dir: string, from: string): Mailer {
  return {
    async send(message) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${crypto.randomUUID()}.json`;
      await fs.writeFile(path.join(dir, name), JSON.stringify({ from, ...message, sentAt: new Date().toISOString() }, null, 2), { mode: 0o600 });
    },
  };
}

export function createSmtpMailer(url: string, from: string): Mailer {
  let transport: Promise<import("nodemailer").Transporter> | undefined;
  return {
    async send(message) {
      transport ??= import("nodemailer").then((m) => m.default.createTransport(url));
      await (await transport).sendMail({ from, ...message });
    },
  };
}

export function createMailer(mail: Config["mail"]): Mailer {
  return mail.kind === "smtp" ? createSmtpMailer(mail.url, mail.from) : createOutboxMailer(mail.dir, mail.from);
}

let mailer: Mailer | undefined;
export function getMailer(): Mailer {
  mailer ??= createMailer(getConfig().mail);
  return mailer;
}
