import type { ServiceConfig } from '../core/config.ts'
import {
  type ConsentSource,
  type ConsentStore,
  PURPOSES,
  type Purpose,
  type Purposes,
} from '../core/state.ts'
import type { Strings } from '../core/strings.ts'
import { h, trapFocus } from './dom.ts'
import { CSS } from './styles.ts'

export interface ConsentUiOptions {
  doc: Document
  consent: Pick<ConsentStore, 'get' | 'set' | 'acceptAll' | 'rejectAll' | 'on'>
  strings: Strings
  services: readonly ServiceConfig[]
  /** The browser sent Global Privacy Control: the dialog says it was honoured. */
  gpc: boolean
  /** Whether a gated script of the purpose already ran (it cannot be stopped without a reload). */
  ran(purpose: Purpose): boolean
  /** The visitor's own data: shown in the dialog when this browser can prove it is theirs. */
  rights?: VisitorRights | undefined
}

export interface VisitorRights {
  available(): boolean
  /** Called when a token arrives, so a dialog opened while it was being asked shows the buttons. */
  onAvailable(listener: () => void): void
  /** Each resolves to whether it worked. */
  download(): Promise<boolean>
  erase(): Promise<boolean>
}

export interface ConsentUi {
  /** Opens the preferences dialog (precis.consent.open()). */
  open(): void
}

/**
 * The banner (first layer), the preferences dialog and the reload notice, in a shadow root.
 * All three are fixed-position overlays: the page's layout never moves.
 */
export const mountConsentUi = ({
  doc,
  consent,
  strings: s,
  services,
  gpc,
  ran,
  rights,
}: ConsentUiOptions): ConsentUi => {
  const host = h('div', { id: 'precis-consent' })
  const root = host.attachShadow({ mode: 'open' })
  let returnFocus: HTMLElement | null = null

  // The same three buttons, the same size and style, in banner and dialog: rejecting is as easy
  // as accepting.
  const choiceButtons = (source: ConsentSource) => {
    const accept = h('button', { type: 'button' }, s.acceptAll)
    const reject = h('button', { type: 'button' }, s.rejectAll)
    accept.onclick = () => decide(() => consent.acceptAll(source))
    reject.onclick = () => decide(() => consent.rejectAll(source))
    return [accept, reject]
  }

  const prefs = h('button', { type: 'button' }, s.preferences)
  prefs.onclick = () => open()
  const banner = h(
    'div',
    { class: 'b', role: 'dialog', 'aria-labelledby': 'pc-t', 'aria-describedby': 'pc-x', tabindex: '-1' },
    h('h2', { id: 'pc-t' }, s.title),
    h('p', { id: 'pc-x' }, s.text),
    h('div', { class: 'r' }, ...choiceButtons('banner'), prefs),
  )

  const switches = {} as Record<Purpose, HTMLInputElement>
  const purposeRows = PURPOSES.map((p) => {
    const input = h('input', {
      type: 'checkbox',
      role: 'switch',
      checked: p === 'necessary',
      disabled: p === 'necessary',
      'aria-describedby': `pc-${p}`,
    }) as HTMLInputElement
    switches[p] = input
    const list = services.filter((svc) => svc.purpose === p)
    return h(
      'fieldset',
      {},
      h('label', {}, input, p === 'necessary' ? `${s.necessary} (${s.alwaysOn})` : s[p]),
      h('p', { class: 's', id: `pc-${p}` }, s[`${p}Text`]),
      list.length > 0 &&
        h(
          'ul',
          {},
          ...list.map((svc) => h('li', {}, svc.description ? `${svc.name}: ${svc.description}` : svc.name)),
        ),
    )
  })
  const save = h('button', { type: 'button' }, s.save)
  save.onclick = () => {
    const chosen = {} as Purposes
    for (const p of PURPOSES) chosen[p] = switches[p].checked
    decide(() => consent.set(chosen, 'preferences'))
  }
  const close = h('button', { type: 'button', class: 'x', 'aria-label': s.close }, '×')
  close.onclick = () => hide()
  const dialog = h(
    'div',
    {
      class: 'd',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': 'pc-dt',
      'aria-describedby': 'pc-dx',
    },
    close,
    h('h2', { id: 'pc-dt' }, s.dialogTitle),
    h('p', { id: 'pc-dx' }, s.dialogText),
    gpc && h('p', { class: 'g' }, s.gpc),
    ...purposeRows,
    h('div', { class: 'r' }, save, ...choiceButtons('preferences')),
  )
  const yourData = rights && rightsSection(rights, s)
  if (yourData) dialog.append(yourData.section)
  const overlay = h('div', { class: 'o', hidden: true }, dialog)
  overlay.onkeydown = (e) => {
    if (e.key === 'Escape') hide()
    else trapFocus(dialog, root, e)
  }

  const reload = h('button', { type: 'button' }, s.reload)
  reload.onclick = () => doc.location.reload()
  const notice = h('div', { class: 'n', role: 'status', hidden: true }, h('p', {}, s.reloadText), reload)

  styleRoot(doc, root)
  root.append(banner, overlay, notice)

  const decide = (change: () => void) => {
    const before = consent.get().purposes
    change()
    const after = consent.get().purposes
    hide()
    banner.hidden = true
    // Withdrawn purposes whose scripts already ran: only a reload stops them.
    notice.hidden = !PURPOSES.some((p) => before[p] && !after[p] && ran(p))
  }

  function open() {
    const active = root.activeElement ?? doc.activeElement
    returnFocus = active instanceof HTMLElement ? active : null
    const { purposes } = consent.get()
    for (const p of PURPOSES) switches[p].checked = purposes[p]
    yourData?.refresh()
    overlay.hidden = false
    switches.analytics.focus()
  }

  function hide() {
    if (overlay.hidden) return
    overlay.hidden = true
    // Back where the visitor was: the opener, else the banner if it still waits for an answer.
    ;(returnFocus?.isConnected ? returnFocus : banner.hidden ? null : banner)?.focus()
  }

  // No choice yet: ask. The banner takes focus so keyboard and screen-reader users meet it first.
  banner.hidden = consent.get().source !== 'default'
  doc.body.append(host)
  if (!banner.hidden) banner.focus()
  consent.on('change', (state) => {
    if (state.source === 'default') banner.hidden = false
  })
  return { open }
}

/**
 * A constructed style sheet, not a <style> element: it is no inline style to a Content-Security-
 * Policy, so sites need no 'unsafe-inline' in style-src for the banner. Browsers without
 * adoptedStyleSheets (Safari before 16.4) get the element.
 */
export const styleRoot = (doc: Document, root: ShadowRoot) => {
  const Sheet = doc.defaultView?.CSSStyleSheet
  if (Sheet && 'replaceSync' in Sheet.prototype && 'adoptedStyleSheets' in root) {
    const sheet = new Sheet()
    sheet.replaceSync(CSS)
    root.adoptedStyleSheets = [sheet]
  } else root.append(h('style', {}, CSS))
}

/** Download and delete, with a second click to confirm deletion and a status for screen readers. */
const rightsSection = (rights: VisitorRights, s: Strings) => {
  const status = h('p', { class: 's', role: 'status' })
  const download = h('button', { type: 'button' }, s.download)
  const erase = h('button', { type: 'button' }, s.erase)
  let armed = false
  const settle = (worked: boolean, done = '') => {
    status.textContent = worked ? done : s.rightsFailed
  }
  download.onclick = async () => settle(await rights.download())
  erase.onclick = async () => {
    armed = !armed
    erase.textContent = armed ? s.confirmErase : s.erase
    if (!armed) settle(await rights.erase(), s.erased)
  }
  const section = h(
    'section',
    { 'aria-labelledby': 'pc-y' },
    h('h2', { id: 'pc-y' }, s.yourData),
    h('p', { class: 's' }, s.yourDataText),
    h('div', { class: 'r' }, download, erase),
    status,
  )
  // Only ever shown here: hiding a section that just said "deleted" would take the answer away.
  rights.onAvailable(() => {
    section.hidden = false
  })
  return {
    section,
    refresh() {
      section.hidden = !rights.available()
      armed = false
      erase.textContent = s.erase
      status.textContent = ''
    },
  }
}
