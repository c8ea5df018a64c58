// The unsubscribe link of every journey mail. GET shows a page with one button (so a mail scanner
// that follows links unsubscribes nobody); POST records it, which is also what a mail client's
// one-click unsubscribe sends (RFC 8058). The link carries a keyed token naming the site and the
// address's hash, nothing else; the record is that hash, honoured by every journey and every send.
import { Hono } from 'hono'
import type { Sites } from '../config/sites.ts'
import { escapeHtml } from '../destinations/email/templates.ts'
import { readUnsubscribeToken } from '../destinations/email/unsubscribe.ts'
import { unsubscribeKey } from '../journeys/email.ts'
import type { JourneyStore } from '../journeys/types.ts'
import type { Store } from '../store/types.ts'

const TEXTS = {
  en: {
    title: 'Unsubscribe',
    ask: (site: string) => `Stop emails from ${site}?`,
    button: 'Unsubscribe',
    done: (site: string) => `You will get no more emails from ${site}.`,
    invalid: 'This unsubscribe link is not valid. Use the link in the latest email.',
  },
  'zh-CN': {
    title: '退订',
    ask: (site: string) => `不再接收 ${site} 的邮件？`,
    button: '退订',
    done: (site: string) => `您将不会再收到 ${site} 的邮件。`,
    invalid: '此退订链接无效。请使用最新邮件中的链接。',
  },
} as const

const page = (lang: keyof typeof TEXTS, title: string, body: string) =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`

export interface UnsubscribeDeps {
  store: Pick<Store, 'pseudonyms'> & Pick<JourneyStore, 'unsubscribe'>
  sites: Pick<Sites, 'byId'>
  now: () => number
}

export const unsubscribeRoutes = ({ store, sites, now }: UnsubscribeDeps) => {
  const app = new Hono()
  /** The token's subject when it is the site's and valid; else undefined. */
  const subjectOf = async (siteId: string, token: string | undefined) => {
    const site = sites.byId(siteId)
    if (!site || !token) return undefined
    const read = readUnsubscribeToken(await unsubscribeKey(store, site.id), token)
    return read && read.site === site.id ? { site, subject: read.subject } : undefined
  }
  const languageOf = (accept: string | undefined) => (/^\s*zh/i.test(accept ?? '') ? 'zh-CN' : 'en')

  app.on(['GET', 'POST'], '/sites/:site/unsubscribe', async (c) => {
    const lang = languageOf(c.req.header('accept-language'))
    const t = TEXTS[lang]
    const token = c.req.query('t')
    const found = await subjectOf(c.req.param('site'), token)
    if (!found) return c.html(page(lang, t.title, `<p>${escapeHtml(t.invalid)}</p>`), 400)
    const name = found.site.name ?? found.site.id
    if (c.req.method === 'GET') {
      const action = `?t=${encodeURIComponent(token!)}`
      return c.html(
        page(
          lang,
          t.title,
          `<h1>${escapeHtml(t.ask(name))}</h1><form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(t.button)}</button></form>`,
        ),
      )
    }
    await store.unsubscribe(found.site.id, found.subject, now())
    return c.html(page(lang, t.title, `<h1>${escapeHtml(t.done(name))}</h1>`))
  })
  return app
}
