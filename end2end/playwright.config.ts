import { defineConfig, devices } from "@playwright/test";

const baseURL = process.env.KASSA_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // The suite shares one server and its in-memory payments.
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL,
    // The demo store's locale is Swedish; the suite reads English unless a
    // test chooses otherwise (language.spec.ts), as an associate would.
    storageState: {
      cookies: [
        {
          name: "kassa_lang",
          value: "en",
          domain: new URL(baseURL).hostname,
          path: "/",
          expires: -1,
          httpOnly: true,
          secure: false,
          sameSite: "Strict",
        },
      ],
      origins: [],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "tablet",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 768, height: 1024 },
        hasTouch: true,
        launchOptions: {
          // Debian's Chromium; Playwright's own browser download is never used.
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // A store's LAN name, for the tests of a till on plain http that is
            // not localhost (not a secure context).
            "--host-resolver-rules=MAP kassa.test 127.0.0.1",
          ],
        },
      },
    },
  ],
  // The suite starts the built server (scripts/e2e.sh builds both bundles
  // first; KASSA_E2E_PROFILE names the build, debug unless told), and shows
  // its output, which scripts/e2e.sh searches for panics. A Kassa already
  // running at the address is used as it is.
  webServer: process.env.NO_WEBSERVER
    ? undefined
    : {
        command: `cd .. && ./target/${process.env.KASSA_E2E_PROFILE ?? "debug"}/kassa`,
        url: baseURL,
        reuseExistingServer: true,
        stdout: "pipe",
        stderr: "pipe",
      },
});
