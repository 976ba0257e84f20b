import { ConfigError } from "@/lib/config";
import { DatabaseInUseError } from "@/lib/db/lock";

/** Runs a command-line entry point: known errors become one clear line and exit code 1, never a stack trace. */
export function runCli(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof DatabaseInUseError) console.error(err.message);
    else if (err instanceof Error && err.name === "DemoRefusedError") console.error(err.message);
    else console.error(`Failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    process.exit(1);
  });
}
