import { defineConfig } from '@playwright/test'
import { CHROMIUM } from './test/support/chromium.ts'

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 30_000,
  workers: 2,
  reporter: [['list']],
  forbidOnly: !!process.env.CI,
  // No retries, in CI either: a test that passes only on retry hides a race to be found.
  retries: 0,
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: CHROMIUM,
  },
})
