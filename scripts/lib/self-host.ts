/**
 * The self-hosting steps of docs/self-hosting.md ("Without Docker"), as scripts/self-host-check.ts runs them:
 * a test checks the document and the README still say exactly these, so the check follows the text.
 */
export const selfHostSteps = {
  /** Variables the document tells the operator to set, and the check sets the same way. */
  env: ["DATABASE_URL", "REDIS_URL", "RAMPART_MASTER_KEYS", "AUTH_SECRET", "RAMPART_BACKGROUND", "APP_URL", "METRICS_TOKEN"],
  install: "npm ci",
  migrate: "npm run migrate",
  app: "npm start",
  worker: "npm run worker",
  probes: ["/api/health/live", "/api/health/ready"],
} as const;
