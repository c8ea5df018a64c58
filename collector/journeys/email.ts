// A journey's message as a mail, made when it is sent, not when it was queued: the address comes
// from the person's profile then (so the queue holds no address, and an erased or unsubscribed
// person gets nothing), the words from the template in the person's language, the variables from
// what the trigger event carried, and a working unsubscribe link for the site.

import { isJson } from '../config/resources.ts'
import type { CollectorConfig } from '../config/site-config.ts'
import type { EmailDestination } from '../destinations/email/config.ts'
import type { EmailMessage } from '../destinations/email/smtp.ts'
import { type RenderedEmail, renderEmail } from '../destinations/email/templates.ts'
import {
  emailSubject,
  unsubscribeUrl as linkOf,
  unsubscribeToken,
} from '../destinations/email/unsubscribe.ts'
import type { ClaimedDelivery } from '../destinations/types.ts'
import { siteRules } from '../identity/config.ts'
import type { Store } from '../store/types.ts'
import type { JourneyStore } from './types.ts'

type Json = Record<string, unknown>

/** The person's address and name, from their profile's opened traits. */
export const contactOf = (traits: Json) => ({
  email: typeof traits.email === 'string' && traits.email.includes('@') ? traits.email.trim() : undefined,
  name:
    typeof traits.firstName === 'string'
      ? traits.firstName
      : typeof traits.name === 'string'
        ? traits.name
        : undefined,
})

/** The key of a site's unsubscribe links: derived from its pseudonym key, so nothing new is kept. */
export const unsubscribeKey = async (store: Pick<Store, 'pseudonyms'>, site: string) =>
  Buffer.from((await store.pseudonyms(site))('precis-unsubscribe-key'))

const money = (value: unknown, currency: unknown, language: string) =>
  typeof value === 'number' && Number.isFinite(value)
    ? new Intl.NumberFormat(language, {
        style: 'currency',
        currency: typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'USD',
      }).format(value)
    : undefined

/**
 * A template's variables from the trigger's context: Segment's ecommerce `products` as `items`,
 * the total, the page it happened on (`cartUrl`) and its origin (`shopUrl`).
 */
export const messageVariables = (context: Json, name: string | undefined): Json => {
  const properties = isJson(context.properties) ? context.properties : {}
  const language = typeof context.locale === 'string' && context.locale.startsWith('zh') ? 'zh-CN' : 'en'
  const products = Array.isArray(properties.products) ? properties.products.filter(isJson) : []
  const url = typeof context.url === 'string' ? context.url : undefined
  let shopUrl: string | undefined
  try {
    shopUrl = url === undefined ? undefined : `${new URL(url).origin}/`
  } catch {}
  return {
    ...properties,
    name,
    items: products.slice(0, 50).map((p) => ({
      name: String(p.name ?? p.product_id ?? ''),
      quantity: typeof p.quantity === 'number' ? p.quantity : 1,
      price: money(p.price, properties.currency, language),
    })),
    total: money(properties.value ?? properties.revenue ?? properties.total, properties.currency, language),
    cartUrl: url,
    shopUrl,
  }
}

export interface ComposeDeps {
  store: Pick<Store, 'findProfile' | 'revealTraits' | 'pseudonyms'> & Pick<JourneyStore, 'unsubscribed'>
  sites: () => CollectorConfig
  /** The collector's public URL: unsubscribe links point to it. */
  publicUrl: () => string
  now: () => number
}

/** The mail for a claimed journey message, or why none can ever go (the delivery becomes a dead letter). */
export const composeEmail =
  (deps: ComposeDeps) =>
  async (d: EmailDestination, claimed: ClaimedDelivery): Promise<EmailMessage | { refused: string }> => {
    const { store } = deps
    const payload = JSON.parse(claimed.event.payload) as { properties?: Json }
    const props = payload.properties ?? {}
    if (!claimed.notice || typeof props.template !== 'string') return { refused: 'not a journey message' }
    const config = deps.sites()
    const person = claimed.event.userId ?? claimed.event.anonymousId
    const found = person === null ? undefined : await store.findProfile(claimed.site, person, deps.now())
    if (!found) return { refused: 'the person has no profile (erased?)' }
    const traits = await store.revealTraits(claimed.site, found.traits, siteRules(config))
    const { email, name } = contactOf(traits)
    if (!email) return { refused: 'the person has no email address' }
    const subject = emailSubject(email)
    if (await store.unsubscribed(claimed.site, subject)) return { refused: 'unsubscribed' }
    const token = unsubscribeToken(await unsubscribeKey(store, claimed.site), {
      site: claimed.site,
      subject,
      destination: d.key,
    })
    const unsubscribeUrl = linkOf(deps.publicUrl(), claimed.site, token)
    const context = isJson(props.context) ? props.context : {}
    let mail: RenderedEmail
    try {
      mail = renderEmail({
        template: props.template,
        ...(d.templates ? { templates: d.templates } : {}),
        ...(typeof context.locale === 'string' ? { language: context.locale } : {}),
        variables: messageVariables(context, name),
        unsubscribeUrl,
      })
    } catch (err) {
      // A template removed or broken since the message was queued: no retry makes it.
      return { refused: `template ${props.template}: ${(err as Error).message}` }
    }
    return {
      id: claimed.messageId,
      to: email,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      unsubscribeUrl,
    }
  }
