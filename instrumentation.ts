/** Opens (and migrates) the database as the server starts, so the embedded lock is held from the first moment. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getDatabaseHandle } = await import("@/lib/db");
  await getDatabaseHandle();
}
