import type { GateStrings } from '../core/gate-strings.ts'
import type { Purpose } from '../core/state.ts'

export interface TagGateOptions {
  doc: Document
  granted(purpose: Purpose): boolean
  /** The visitor pressed "Allow …" on a placeholder. */
  grant(purpose: Purpose): void
  strings: GateStrings
}

export interface TagGate {
  /** Re-checks every gated tag; call after each consent change. */
  update(): void
  /** Whether a tag of the purpose already ran here: it cannot be un-run, only reloaded away. */
  ran(purpose: Purpose): boolean
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

const GATED = 'script[type="text/plain"][data-consent],iframe[data-consent][data-src]'

/** The placeholder's look, given as a constructed sheet: no inline style for a strict CSP to block. */
const PLACEHOLDER_CSS =
  'body{margin:0;height:100vh;display:grid;place-content:center;gap:8px;text-align:center;font:14px system-ui;background:#f3f4f6;color:#1f2937}p{margin:0 8px}'
const SKIP = ['type', 'src', 'data-src', 'data-type', 'data-consent']

/**
 * Activates the site's gated tags once their purposes are granted:
 *   <script type="text/plain" data-consent="analytics" data-src="…">  (or src, or inline code)
 *   <iframe data-consent="marketing" data-src="…">
 * Scripts run in document order, each external one after the previous has loaded; tags added
 * later are caught by a MutationObserver.
 */
export const startTagGate = ({ doc, granted, grant, strings }: TagGateOptions): TagGate => {
  const ran = new Set<Purpose>()
  const seen = new WeakSet<Element>()
  const scripts: HTMLScriptElement[] = []
  let loading = false

  const needs = (el: Element) =>
    (el.getAttribute('data-consent') ?? '').split(/\s+/).filter(Boolean) as Purpose[]
  const missing = (el: Element) => needs(el).find((p) => p !== 'necessary' && !granted(p))

  const pump = () => {
    const next = loading ? undefined : scripts.find((s) => !missing(s))
    if (!next) return
    scripts.splice(scripts.indexOf(next), 1)
    const live = doc.createElement('script')
    for (const { name, value } of [...next.attributes])
      if (!SKIP.includes(name)) live.setAttribute(name, value)
    // Browsers hide a parsed element's nonce from getAttribute: copy the property, or a nonce
    // policy blocks the gated script.
    const { nonce } = next as HTMLElement
    if (nonce) live.nonce = nonce
    const type = next.getAttribute('data-type')
    if (type) live.type = type
    const src = next.getAttribute('data-src') ?? next.getAttribute('src')
    for (const p of needs(next)) ran.add(p)
    if (src) {
      // Dynamic scripts run as soon as they load: wait for this one before starting the next.
      loading = true
      live.onload = live.onerror = () => {
        loading = false
        pump()
      }
      live.src = src
    } else live.text = next.text
    next.replaceWith(live)
    if (!src) pump()
  }

  // A blocked frame shows its placeholder inside itself (srcdoc, no request): the frame keeps its
  // box, so loading it later moves nothing on the page.
  const blocked = new Set<HTMLIFrameElement>()
  const checkFrame = (frame: HTMLIFrameElement) => {
    const purpose = missing(frame)
    if (purpose) {
      if (blocked.has(frame)) return
      blocked.add(frame)
      const fill = (text: string) => escapeHtml(text.replace('{purpose}', strings[purpose]))
      const html = `<html lang="${escapeHtml(doc.documentElement.lang)}"><p>${fill(strings.blocked)}</p><button type="button">${fill(strings.allow)}</button>`
      frame.srcdoc = html
      let asked = 1
      frame.onload = () => {
        const inner = frame.contentDocument
        const realm = frame.contentWindow as (Window & typeof globalThis) | null
        if (!inner || !realm) return
        // A frame the parser has just inserted can finish its first about:blank load after srcdoc was
        // set, and Chromium then drops the srcdoc navigation: ask again (a few times, never forever).
        if (inner.URL !== 'about:srcdoc') {
          if (asked++ < 4) frame.srcdoc = html
          return
        }
        // Made in the frame's own realm: a document adopts only sheets of its realm.
        const sheet = new realm.CSSStyleSheet()
        sheet.replaceSync(PLACEHOLDER_CSS)
        inner.adoptedStyleSheets = [sheet]
        const button = inner.querySelector('button')
        if (button) button.onclick = () => grant(purpose)
      }
      return
    }
    blocked.delete(frame)
    frame.onload = null
    frame.removeAttribute('srcdoc')
    frame.src = frame.getAttribute('data-src')!
    frame.removeAttribute('data-src')
  }

  const scan = (root: ParentNode) => {
    const found = [...root.querySelectorAll(GATED)]
    if (root instanceof Element && root.matches(GATED)) found.unshift(root)
    for (const el of found) {
      if (seen.has(el)) continue
      seen.add(el)
      if (el instanceof HTMLScriptElement) scripts.push(el)
      else checkFrame(el as HTMLIFrameElement)
    }
    pump()
  }

  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) if (node instanceof Element) scan(node)
  }).observe(doc.documentElement, { childList: true, subtree: true })
  scan(doc)

  return {
    update() {
      for (const frame of [...blocked]) checkFrame(frame)
      pump()
    },
    ran: (purpose) => ran.has(purpose),
  }
}
