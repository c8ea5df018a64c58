import { defineConfig } from '@playwright/test'

// Debian's Chromium, never a downloaded browser. Background networking off: this machine has no
// network beyond loopback and Chromium's own calls home would only fail.
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 30_000,
  workers: 2,
  reporter: [['list']],
  forbidOnly: !!process.env.CI,
  // One retry in CI, where the 2 cores also run the collector and Chromium: a test that passes only
  // on retry is still reported as flaky in the output.
  retries: process.env.CI ? 1 : 0,
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-gpu',
      ],
    },
  },
})
