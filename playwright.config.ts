import { defineConfig } from '@playwright/test'
import { CHROMIUM } from './test/support/chromium.ts'

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
    launchOptions: CHROMIUM,
  },
})
