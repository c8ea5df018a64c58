import type { Properties } from '../../core/types.ts'
import { stripClickIds } from '../../rules/click-ids.ts'

type Track = (event: string, properties: Properties) => void

const DOWNLOAD =
  /\.(pdf|zip|rar|7z|gz|tgz|dmg|exe|msi|pkg|apk|iso|csv|xlsx?|docx?|pptx?|txt|rtf|epub|mp3|mp4|mov|avi|wav)$/i

const text = (el: Element) => (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 100)

/** `data-precis-prop-plan="pro"` → `{ plan: 'pro' }`. */
const props = (el: HTMLElement): Properties => {
  const out: Properties = {}
  for (const [key, value] of Object.entries(el.dataset))
    if (key.startsWith('precisProp') && key.length > 10) out[key[10]!.toLowerCase() + key.slice(11)] = value
  return out
}

const skipped = (el: Element) => el.closest('[data-precis-capture="off"]') !== null

/**
 * Clicks on links and buttons: `data-precis-event` elements as named events, outbound links,
 * file downloads, and other links and buttons as `Element Clicked`. Form submissions when asked.
 * Nothing typed into a field is ever read.
 */
export const captureClicks = (
  win: Window,
  track: Track,
  { clicks, forms }: { clicks: boolean; forms: boolean },
) => {
  const doc = win.document
  if (clicks)
    doc.addEventListener(
      'click',
      (e) => {
        const target = e.target as Element | null
        if (!target?.closest || skipped(target)) return
        const named = target.closest<HTMLElement>('[data-precis-event]')
        if (named) {
          if (named.tagName !== 'FORM') track(named.dataset.precisEvent!, props(named))
          return
        }
        const el = target.closest<HTMLElement>(
          'a[href],button,[role=button],input[type=submit],input[type=button]',
        )
        if (!el) return
        const label = el.tagName === 'INPUT' ? (el.getAttribute('aria-label') ?? '') : text(el)
        const href = (el as HTMLAnchorElement).href
        if (!href)
          return track('Element Clicked', { element: el.tagName.toLowerCase(), text: label, id: el.id })
        const url = new URL(href, win.location.href)
        // A link to this page would carry the visitor's click ids (marketing identifiers).
        const to = stripClickIds(url.href)
        const file = url.pathname.match(DOWNLOAD)?.[1]
        if (file || el.hasAttribute('download'))
          track('File Downloaded', { url: to, text: label, extension: file?.toLowerCase() })
        else if (/^https?:$/.test(url.protocol) && url.host !== win.location.host)
          track('Outbound Link Clicked', { url: to, text: label })
        else track('Element Clicked', { element: 'a', text: label, url: to, id: el.id })
      },
      true,
    )
  if (forms)
    doc.addEventListener(
      'submit',
      (e) => {
        const form = e.target as HTMLFormElement
        if (skipped(form)) return
        // The form's identity and where it goes; its fields' values are never read.
        track(form.dataset.precisEvent ?? 'Form Submitted', {
          ...props(form),
          form_id: form.id,
          form_name: form.getAttribute('name') ?? '',
          action: new URL(form.getAttribute('action') ?? '', win.location.href).pathname,
          method: (form.getAttribute('method') ?? 'get').toLowerCase(),
        })
      },
      true,
    )
}
