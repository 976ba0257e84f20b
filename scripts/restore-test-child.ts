import { restoreTestChildMain } from "@/lib/backup/restore-child";

/** The restore test's child process (lib/backup/restore-child.ts): input on stdin, one JSON answer on stdout. */
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const answer = await restoreTestChildMain(Buffer.concat(chunks).toString("utf8"));
  process.stdout.write(`${JSON.stringify(answer)}\n`);
  process.exit(0);
}
void main();
