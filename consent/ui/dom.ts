/** Creates an element with attributes and children: the UI's whole DOM toolkit. */
export const h = (
  tag: string,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | false | undefined)[]
): HTMLElement => {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) el.setAttribute(name, '')
    else if (value !== false && value !== undefined) el.setAttribute(name, value)
  }
  for (const child of children) if (child) el.append(child)
  return el
}

const FOCUSABLE = 'button,input:not([disabled]),[href],[tabindex]:not([tabindex="-1"])'

/** Keeps Tab and Shift+Tab inside `box` (a modal dialog). */
export const trapFocus = (box: HTMLElement, root: ShadowRoot, e: KeyboardEvent) => {
  if (e.key !== 'Tab') return
  // Controls in hidden parts of the dialog take no focus: leave them out.
  const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.getClientRects().length > 0,
  )
  const first = items[0]
  const last = items[items.length - 1]
  const active = root.activeElement
  if (e.shiftKey ? active === first || !box.contains(active) : active === last) {
    e.preventDefault()
    ;(e.shiftKey ? last : first)?.focus()
  }
}
