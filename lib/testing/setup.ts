import os from "node:os";
import path from "node:path";

// Tests never touch the developer's .data/ nor generate keys there: fixed test secrets, a private data dir.
process.env.AUTH_SECRET ??= "rampart-test-auth-secret-".padEnd(48, "t");
process.env.RAMPART_MASTER_KEYS ??= `test1:${Buffer.alloc(32, 1).toString("base64")}`;
process.env.RAMPART_DATA_DIR ??= path.join(os.tmpdir(), `rampart-vitest-${process.pid}`);
