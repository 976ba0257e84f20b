import { defineConfig } from "@playwright/test";
import { e2ePort as port, e2eVanPort } from "./e2e/support/ports";

const baseURL = `http://localhost:${port}`;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium by default (Playwright cannot download its own here); scripts/test.ts finds or installs one.
      executablePath: process.env.PLAYWRIGHT_USE_BUNDLED === "1" ? undefined : (process.env.PLAYWRIGHT_CHROMIUM_PATH ?? "/usr/bin/chromium"),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    // The README's own start command, on a throwaway data directory so every run starts from the demo seed.
    command: "npm start",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      RAMPART_DATA_DIR: process.env.E2E_DATA_DIR ?? `.data/e2e-${process.pid}`,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      // Every browser test signs up from 127.0.0.1: the per-address sign-up limit is exercised by the integration tests.
      SIGNUP_LIMIT_PER_ADDRESS: "1000",
      RAMPART_VAN_BASE_URL: `http://127.0.0.1:${e2eVanPort}/v4`,
      // Workers sign in from new browsers (no device cookie) all at once: the flood defences have their own tests.
      LOGIN_BURST_PER_ADDRESS: "1000",
      LOGIN_VERIFY_QUEUE: "100",
    },
  },
});
