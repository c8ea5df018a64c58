// Journeys through the running collector, fed by the public write key: the consent matrix
// (analytics only, analytics + marketing, GPC, withdrawal mid-journey) gives exactly the allowed
// mails to a real SMTP server, each checked for content, escaping and an unsubscribe link that
// works and is honoured; buying cancels; a frequency cap and the holdout hold; an erasure takes a
// waiting run and its mail. Waits are for conditions, never for time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'
import { type Receiver, startReceiver } from './support/receiver.ts'
import { type Mail, type SmtpCatcher, startSmtp } from './support/smtp.ts'

let collector: Collector
let smtp: SmtpCatcher
let receiver: Receiver

const consent = (marketing: boolean) => ({
  categoryPreferences: { necessary: true, analytics: true, marketing },
})
const HOSTILE_NAME = '<img src=x onerror=alert(1)> Tent & "Co"'

const post = async (batch: Record<string, unknown>[]) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch }),
  })
  expect(res.status).toBe(200)
  expect((await res.json()).accepted).toBe(batch.length)
}

let n = 0
const id = () => `m-${++n}-${Math.random().toString(36).slice(2)}`

/** A visitor who gives their address at checkout and starts one. */
const checkout = async (who: string, context: Record<string, unknown>, locale = 'en-US') => {
  const base = { anonymousId: `anon-${who}`, userId: `customer:${who}`, context: { ...context, locale } }
  await post([
    { type: 'identify', messageId: id(), ...base, traits: { email: `${who}@example.com`, firstName: 'Ada' } },
    {
      type: 'track',
      event: 'Checkout Started',
      messageId: id(),
      ...base,
      properties: {
        value: 42,
        currency: 'USD',
        products: [{ product_id: 'tent', name: HOSTILE_NAME, quantity: 2, price: 21 }],
      },
    },
  ])
}

const track = (who: string, event: string, context: Record<string, unknown>, properties = {}) =>
  post([
    {
      type: 'track',
      event,
      messageId: id(),
      anonymousId: `anon-${who}`,
      userId: `customer:${who}`,
      context,
      properties,
    },
  ])

const admin = async (path: string, init: { method?: string } = {}) => {
  const res = await fetch(`${collector.url}/admin/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

interface Entry {
  journey: string
  entryId: string
  status: string
  reason: string | null
  userId: string | null
  group: string
  convertedAt: number | null
}

/** Polls a journey's entries until `done` holds. */
const entriesUntil = async (journey: string, done: (entries: Entry[]) => boolean) => {
  for (;;) {
    const { body } = await admin(`/journeys/${journey}/entries?site=demo&limit=1000`)
    const entries = body.entries as Entry[]
    if (done(entries)) return entries
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const entryOf = async (journey: string, who: string, done: (e: Entry) => boolean) => {
  const userId = await collector.pseudonym(`customer:${who}`)
  const entries = await entriesUntil(journey, (list) => list.some((e) => e.userId === userId && done(e)))
  return entries.find((e) => e.userId === userId && done(e))!
}

const mailTo = (who: string) => (m: Mail) => m.to.includes(`${who}@example.com`)

beforeAll(async () => {
  smtp = await startSmtp()
  receiver = await startReceiver()
  collector = await startCollector({
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true', PRECIS_DELIVERY_POLL_MS: '25' },
    goals: { purchase: { event: 'Order Completed', revenue: 'revenue' } },
    destinations: [
      { key: 'mail', kind: 'email', smtp: smtp.url, from: 'Demo shop <shop@demo.example>' },
      {
        key: 'crm',
        kind: 'webhook',
        url: `${receiver.url}/crm`,
        secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
      },
    ],
    journeys: [
      {
        key: 'cart',
        trigger: { event: 'Checkout Started' },
        delay: '1s',
        unless: { event: 'Order Completed' },
        goal: 'purchase',
        holdout: 0,
        action: { destination: 'mail', template: 'abandoned-cart' },
      },
      // Waits long: erasure and withdrawal meet it while waiting.
      {
        key: 'slow',
        trigger: { event: 'Checkout Started' },
        delay: '30d',
        holdout: 0,
        action: { destination: 'mail', template: 'win-back' },
      },
      // A webhook journey with a holdout of half: who is held gets nothing, and is counted.
      {
        key: 'ping',
        trigger: { event: 'Pinged' },
        delay: '1s',
        holdout: 0.5,
        goal: 'purchase',
        action: { destination: 'crm' },
      },
    ],
    messaging: { frequencyCap: { messages: 1, per: '1d' } },
  })
})
afterAll(async () => {
  await collector?.stop()
  await smtp?.close()
  await receiver?.close()
})

describe('journeys through the running collector', { timeout: 90_000 }, () => {
  it('mails an abandoned cart with analytics and marketing: content, escaping, plain text, unsubscribe headers', async () => {
    await checkout('ada', { consent: consent(true) })
    const mail = await smtp.waitFor(mailTo('ada'))
    expect(mail.parsed.subject).toMatch(/cart/i)
    expect(mail.parsed.text).toContain(HOSTILE_NAME) // plain text carries it as it is
    // Escaped in HTML (as named or numeric references): shown as text, never as markup.
    expect(String(mail.parsed.html)).toMatch(
      /(&lt;|&#60;)img src=x onerror=alert\(1\)(&gt;|&#62;) Tent (&amp;|&#38;) (&quot;|&#34;)Co/,
    )
    expect(String(mail.parsed.html)).not.toContain('<img src=x')
    expect(mail.parsed.text).toContain('$21.00')
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
    const link = /<(http[^>]+)>/.exec(mail.header('list-unsubscribe'))![1]!
    expect(link).toContain(`${collector.url}/v1/sites/demo/unsubscribe?t=`)
    expect(mail.parsed.text).toContain(link)
    expect(mail.header('message-id')).toMatch(/^<journey-[0-9a-f]{32}@precis>$/)
    const entry = await entryOf('cart', 'ada', (e) => e.status === 'sent')
    expect(entry.group).toBe('reached')
    // The person's export says which journey mailed them, where, and how it ended.
    for (;;) {
      const { body } = await admin(`/profiles/${encodeURIComponent('customer:ada')}/export?site=demo`)
      const runs = body.journeys as {
        journey: string
        status: string
        message: { destination: string; status: string } | null
      }[]
      const cart = runs.find((r) => r.journey === 'cart')
      if (cart?.message?.status === 'delivered') {
        expect(cart).toMatchObject({ status: 'sent', message: { destination: 'mail', status: 'delivered' } })
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  })

  it('the unsubscribe link asks first, then records, and no mail goes to that address again', async () => {
    const mail = await smtp.waitFor(mailTo('ada'))
    const link = /<(http[^>]+)>/.exec(mail.header('list-unsubscribe'))![1]!
    const ask = await fetch(link)
    expect(ask.status).toBe(200)
    const page = await ask.text()
    expect(page).toContain('<form method="post"')
    // Following the link is not unsubscribing (mail scanners follow links); posting a forged token is refused.
    const tampered = await fetch(link.replace(/t=./, 't=x'), { method: 'POST' })
    expect(tampered.status).toBe(400)
    const done = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click' })
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('no more emails')
    // Another cart: the run is skipped as unsubscribed (checked before the frequency cap).
    await track('ada', 'Order Completed', { consent: consent(true) }, { revenue: 1 })
    await checkout('ada', { consent: consent(true) })
    const skipped = await entryOf('cart', 'ada', (e) => e.status === 'skipped')
    expect(skipped.reason).toBe('unsubscribed')
    expect(smtp.mails.filter(mailTo('ada'))).toHaveLength(1)
  })

  it('analytics only, or GPC: nobody enters; a withdrawal mid-journey ends the run', async () => {
    await checkout('bo', { consent: consent(false) })
    await checkout('cy', { consent: { ...consent(true), gpc: true } })
    await checkout('di', { consent: consent(true) }, 'zh-CN')
    // di is in both journeys; withdrawing marketing ends the slow one's wait.
    await entryOf('slow', 'di', (e) => e.status === 'waiting')
    await track('di', 'Segment Consent Preference Updated', { consent: consent(false) })
    const ended = await entryOf('slow', 'di', (e) => e.status === 'exited')
    expect(ended.reason).toBe('consent')
    // di's cart mail went before the withdrawal reached it, or was ended by it: never both.
    const diCart = await entryOf('cart', 'di', (e) => e.status !== 'waiting')
    expect(['sent', 'exited']).toContain(diCart.status)
    if (diCart.status === 'sent') {
      const mail = await smtp.waitFor(mailTo('di'))
      expect(mail.parsed.subject).toMatch(/购物车/)
    }
    const userIds = await Promise.all(['bo', 'cy'].map((who) => collector.pseudonym(`customer:${who}`)))
    const all = [...(await entriesUntil('cart', () => true)), ...(await entriesUntil('slow', () => true))]
    expect(all.filter((e) => userIds.includes(e.userId ?? ''))).toEqual([])
    expect(smtp.mails.filter((m) => mailTo('bo')(m) || mailTo('cy')(m))).toEqual([])
  })

  it('buying before the delay cancels the mail and counts the conversion', async () => {
    // The order is stored with the checkout: the unless event ends the run whatever the clock says.
    const base = {
      anonymousId: 'anon-ed',
      userId: 'customer:ed',
      context: { consent: consent(true), locale: 'en' },
    }
    await post([
      { type: 'identify', messageId: id(), ...base, traits: { email: 'ed@example.com' } },
      { type: 'track', event: 'Checkout Started', messageId: id(), ...base, properties: { value: 5 } },
      { type: 'track', event: 'Order Completed', messageId: id(), ...base, properties: { revenue: 5 } },
    ])
    const entry = await entryOf('cart', 'ed', (e) => e.status === 'exited')
    expect(entry.reason).toBe('unless')
    expect(entry.convertedAt).not.toBeNull()
    expect(smtp.mails.filter(mailTo('ed'))).toEqual([])
  })

  it('the frequency cap skips a second message to the same person within its period', async () => {
    await checkout('fi', { consent: consent(true) })
    await smtp.waitFor(mailTo('fi'))
    await track('fi', 'Order Completed', { consent: consent(true) }, { revenue: 1 })
    await checkout('fi', { consent: consent(true) })
    const capped = await entryOf('cart', 'fi', (e) => e.status === 'skipped')
    expect(capped.reason).toBe('frequency cap')
    expect(smtp.mails.filter(mailTo('fi'))).toHaveLength(1)
  })

  it('holds out about half of a webhook journey: the held get nothing, results count both groups', async () => {
    const people = Array.from({ length: 24 }, (_, i) => `p${i}`)
    for (const who of people) await track(who, 'Pinged', { consent: consent(true) })
    const entries = await entriesUntil(
      'ping',
      (list) => list.length === people.length && list.every((e) => e.status !== 'waiting'),
    )
    const sent = entries.filter((e) => e.status === 'sent')
    const held = entries.filter((e) => e.status === 'held')
    expect(sent.length + held.length).toBe(people.length)
    expect(held.length).toBeGreaterThan(0)
    expect(sent.every((e) => e.group === 'reached') && held.every((e) => e.group === 'holdout')).toBe(true)
    // The crm webhook also gets every event with analytics consent; its journey messages are counted.
    const messages = () =>
      receiver.received
        .filter((r) => r.path === '/crm')
        .map((r) => JSON.parse(r.body))
        .filter((m) => m.event === 'Journey Message')
    while (messages().length < sent.length) await new Promise((resolve) => setTimeout(resolve, 25))
    expect(messages()).toHaveLength(sent.length)
    expect(new Set(messages().map((m) => m.properties.trigger))).toEqual(new Set(sent.map((e) => e.entryId)))
    const { status, body } = await admin('/journeys/ping/results?site=demo')
    expect(status).toBe(200)
    const groups = body.groups as Record<string, { entered: number; sent: number; held: number }>
    expect(groups.reached).toMatchObject({ entered: sent.length, sent: sent.length })
    expect(groups.holdout).toMatchObject({ entered: held.length, held: held.length })
  })

  it('erasing a person deletes their waiting runs', async () => {
    await checkout('gus', { consent: consent(true) })
    await entryOf('slow', 'gus', (e) => e.status === 'waiting')
    const erased = await admin(`/profiles/${encodeURIComponent('customer:gus')}?site=demo`, {
      method: 'DELETE',
    })
    expect(erased.status).toBe(200)
    const userId = await collector.pseudonym('customer:gus')
    const slow = await entriesUntil('slow', () => true)
    expect(slow.filter((e) => e.userId === userId)).toEqual([])
  })

  it('the write key reaches no journey route, and a hostile unsubscribe token unsubscribes nobody', async () => {
    const res = await fetch(`${collector.url}/admin/api/journeys/cart/entries?site=demo`, {
      headers: { authorization: `Bearer ${DEMO_WRITE_KEY}` },
    })
    expect(res.status).toBe(401)
    for (const t of ['', 'x', 'a.b', `${'A'.repeat(2000)}.x`]) {
      const r = await fetch(`${collector.url}/v1/sites/demo/unsubscribe?t=${t}`, { method: 'POST' })
      expect(r.status).toBe(400)
    }
    const other = await fetch(`${collector.url}/v1/sites/nope/unsubscribe?t=a.b`, { method: 'POST' })
    expect(other.status).toBe(400)
  })
})
