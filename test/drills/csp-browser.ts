// What the CSP drill watches in Chromium. Page code is plain strings: tsx would add helpers to
// functions passed to the page that do not exist there.
import type { Browser, Page } from '@playwright/test'

/** Before any page script: every securitypolicyviolation (shadow roots' too, they are composed). */
const WATCH = `window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber + (e.sample ? ' (' + e.sample + ')' : ''));
}, true);`

export interface Watched {
  page: Page
  /** Violations seen so far: events in the page (read by `collect`) and CSP console errors. */
  violations: string[]
  /** Uncaught errors and console errors other than CSP ones. */
  errors: string[]
  dialogs: string[]
  /** Reads the page's violation events into `violations` (before it navigates away). */
  collect(): Promise<void>
}

export const watchedPage = async (browser: Browser): Promise<Watched> => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.addInitScript(WATCH)
  const w: Watched = {
    page,
    violations: [],
    errors: [],
    dialogs: [],
    async collect() {
      const seen = (await page.evaluate('window.__csp ? window.__csp.splice(0) : []')) as string[]
      w.violations.push(...seen)
    },
  }
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    // The page's own violation events carry the details; the console line only proves one happened
    // where no event reached the listener (a worker, a report before the listener).
    if (/Content Security Policy/i.test(msg.text())) w.errors.push(`console: ${msg.text()}`)
    else if (!/Failed to load resource/.test(msg.text())) w.errors.push(`console: ${msg.text()}`)
  })
  page.on('pageerror', (err) => w.errors.push(`page error: ${err.message}`))
  page.on('dialog', (dialog) => {
    w.dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  return w
}

/**
 * Elements a payload would have made: anything with an on… attribute, inline or foreign scripts,
 * images, frames (but the shop's gated #partner), objects, javascript: links and style elements,
 * in the document and open shadow roots. `allowedScript` is the prefix of the page's own script URLs.
 */
export const injectedElements = (page: Page, allowedScript: string) =>
  page.evaluate(`(function () {
    var found = [];
    var visit = function (root) {
      root.querySelectorAll('*').forEach(function (el) {
        var tag = el.localName;
        var attrs = Array.prototype.map.call(el.attributes, function (a) { return a.name; });
        var bad =
          attrs.some(function (a) { return a.indexOf('on') === 0; }) ||
          tag === 'img' || (tag === 'iframe' && el.id !== 'partner') || tag === 'object' || tag === 'embed' || tag === 'mglyph' ||
          (tag === 'style' && el.closest('body')) ||
          (tag === 'script' && (!el.src || el.src.indexOf(${JSON.stringify(allowedScript)}) !== 0) && el.closest('body')) ||
          /^\\s*javascript:/i.test(el.getAttribute('href') || '') ||
          /^\\s*javascript:/i.test(el.getAttribute('src') || '');
        if (bad) found.push(el.outerHTML.slice(0, 120));
        if (el.shadowRoot) visit(el.shadowRoot);
      });
    };
    visit(document);
    return found;
  })()`) as Promise<string[]>
