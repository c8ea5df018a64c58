import { stripClickIds } from '../../rules/click-ids.ts'

/**
 * A page view on load and on every SPA navigation (pushState, replaceState, popstate, and hash
 * changes when asked), never twice for the same URL. `left` runs first with the page being left.
 */
export const capturePageviews = (
  win: Window,
  hash: boolean,
  page: (properties: { referrer?: string }) => void,
  left: () => void,
) => {
  // Without click ids: removing one from the address bar is no navigation, and the referrer of
  // the next view never carries one.
  const url = () => stripClickIds(hash ? win.location.href : win.location.href.replace(/#.*/, ''))
  let last: string | undefined
  const check = () => {
    const now = url()
    if (now === last) return
    const previous = last
    if (previous !== undefined) left()
    last = now
    // After an SPA navigation, the page the visitor came from is the referrer.
    page(previous === undefined ? {} : { referrer: previous })
  }
  const { history } = win
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args)
      check()
    }
  }
  win.addEventListener('popstate', check)
  if (hash) win.addEventListener('hashchange', check)
  check()
}
