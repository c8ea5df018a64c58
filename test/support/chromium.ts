// Debian's Chromium, never a downloaded browser, as every browser test and drill launches it.
// Background networking off: this machine has no network beyond loopback and Chromium's own calls
// home would only fail.
import { chromium } from '@playwright/test'

export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
  ],
}

/** A headless browser for the drills (the e2e tests get theirs from playwright.config.ts). */
export const launch = () => chromium.launch({ headless: true, ...CHROMIUM })
