// The background verifier's child process (lib/auth/background-verifier.ts): argon2id checks of sign-in attempts that
// come from no recognised device, at a lower CPU priority than the server. Plain JavaScript so that it starts in tens of
// milliseconds with no compiler. Its parent gives it no environment but PATH; passwords arrive over the IPC channel,
// never argv or the environment, and nothing is logged. It ends when its parent goes.
import argon2 from "argon2";

const MAX_HASH = 512;
const MAX_PASSWORD = 4096;

function wellFormed(m) {
  return (
    m !== null &&
    typeof m === "object" &&
    Number.isSafeInteger(m.id) &&
    typeof m.hash === "string" &&
    m.hash.length > 0 &&
    m.hash.length <= MAX_HASH &&
    typeof m.password === "string" &&
    m.password.length <= MAX_PASSWORD
  );
}

process.on("message", (m) => {
  if (!wellFormed(m)) {
    if (m && Number.isSafeInteger(m.id)) process.send({ id: m.id, error: "malformed" });
    return;
  }
  argon2.verify(m.hash, m.password).then(
    (ok) => process.send({ id: m.id, ok: ok === true }),
    // A hash argon2 cannot read verifies nothing, as lib/auth/password.ts verifyPassword answers in process.
    () => process.send({ id: m.id, ok: false }),
  );
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
