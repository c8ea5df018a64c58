import { defineConfig } from '@playwright/test'

// Debian's Chromium, never a downloaded browser. Background networking off: this machine has no
// network beyond loopback and Chromium's own calls home would only fail.
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 30_000,
  workers: 2,
  reporter: [['list']],
  forbidOnly: !!process.env.CI,
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
