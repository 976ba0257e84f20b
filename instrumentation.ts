/**
 * As the server starts: open (and migrate) the database, so the embedded lock is held from the first moment,
 * then start the background work (job runner and hourly chores) unless a separate `npm run worker` does it.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getDatabaseHandle } = await import("@/lib/db");
  const { getConfig } = await import("@/lib/config");
  const handle = await getDatabaseHandle();
  if (getConfig().backgroundInProcess) {
    const { startBackgroundWork } = await import("@/lib/jobs/background");
    startBackgroundWork(handle.db, getConfig());
  }
}
