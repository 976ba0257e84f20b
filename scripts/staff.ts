import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { normalizeAccountEmail } from "@/lib/auth/email";
import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { withSystem } from "@/lib/db/tenant";
import { runCli } from "./lib/cli";

const usage = "Usage: npm run staff -- grant|revoke <email>";

/** The staff flag is set only here, on the command line, never through the web. */
runCli(async () => {
  const [command, email] = process.argv.slice(2);
  if ((command !== "grant" && command !== "revoke") || !email) throw new Error(usage);
  const handle = await openDatabase(parseConfig().database);
  try {
    const updated = await withSystem(handle.db, (tx) =>
      tx.update(users).set({ isStaff: command === "grant", updatedAt: new Date() }).where(eq(users.email, normalizeAccountEmail(email))).returning({ id: users.id }),
    );
    if (updated.length === 0) throw new Error("No account uses that email address.");
  } finally {
    await handle.close();
  }
  console.log(`Staff flag ${command === "grant" ? "set" : "removed"} for ${email}.`);
});
