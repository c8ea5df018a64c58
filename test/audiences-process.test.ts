// Audiences through the running collector, fed by the public write key: a segment kept as an
// audience announces entries and exits to a real receiver, only where the person's consent
// allows (exits where the entry went), and exports hashed addresses of members with marketing
// consent; an erasure takes the membership. Waits are for conditions, never for time.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  type Collector,
  DEMO_WRITE_KEY,
  demoSite,
  startCollector,
} from './support/collector-process.ts'
import { type Receiver, startReceiver } from './support/receiver.ts'

let collector: Collector
let receiver: Receiver

const stamp = (personalization: boolean, marketing: boolean) => ({
  consent: { categoryPreferences: { necessary: true, analytics: true, personalization, marketing } },
})

let n = 0
const identify = async (who: string, plan: string, context: object) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      batch: [
        {
          type: 'identify',
          messageId: `m-${++n}`,
          anonymousId: `anon-${who}`,
          userId: `user-${who}`,
          traits: { email: ` ${who.toUpperCase()}@Example.com `, plan },
          context,
        },
      ],
    }),
  })
  expect(res.status).toBe(200)
}

const admin = async (path: string, method = 'GET') => {
  const res = await fetch(`${collector.url}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return { status: res.status, text: await res.text() }
}

/** The audience events a path received, as [event, userId]. */
const announced = (path: string) =>
  receiver.received
    .filter((r) => r.path === path)
    .flatMap((r) => {
      const body = JSON.parse(r.body)
      return (body.batch ?? [body]) as {
        event: string
        userId?: string
        properties?: { audience_key?: string }
      }[]
    })
    .filter((e) => e.event?.startsWith('Audience '))
    .map((e) => [e.event, e.userId ?? null, e.properties?.audience_key])

const until = async (done: () => boolean | Promise<boolean>) => {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 25))
}

beforeAll(async () => {
  receiver = await startReceiver()
  collector = await startCollector({
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true', PRECIS_DELIVERY_POLL_MS: '25' },
    destinations: [
      {
        key: 'crm',
        kind: 'webhook',
        url: `${receiver.url}/crm`,
        secret: `whsec_${'B'.repeat(32)}`,
        where: { event: { $regex: '^Audience ' } },
      },
      {
        key: 'ads',
        kind: 'segment',
        url: `${receiver.url}/ads`,
        writeKey: 'ads-key',
        purposes: ['marketing'],
        where: { event: 'never' },
      },
    ],
    audiences: [{ key: 'pro-member', name: 'Pro members', destinations: ['crm', 'ads'] }],
  })
})
afterAll(async () => {
  await collector?.stop()
  await receiver?.close()
})

describe('audiences through the running collector', { timeout: 60_000 }, () => {
  it('announces an entry where consent allows, and the exit where the entry went', async () => {
    expect(demoSite().audiences).toBeUndefined()
    const ada = await collector.pseudonym('user-ada')
    await identify('ada', 'pro', stamp(true, true))
    await until(() => announced('/ads').length === 1 && announced('/crm').length === 1)
    expect(announced('/crm')).toEqual([['Audience Entered', ada, 'pro-member']])
    expect(announced('/ads')).toEqual([['Audience Entered', ada, 'pro-member']])
    // Marketing withdrawn and the plan changed: the exit still reaches ads, which had the entry.
    await identify('ada', 'free', stamp(true, false))
    await until(() => announced('/ads').length === 2 && announced('/crm').length === 2)
    expect(announced('/ads')[1]).toEqual(['Audience Exited', ada, 'pro-member'])
    expect(announced('/crm')[1]).toEqual(['Audience Exited', ada, 'pro-member'])
  })

  it('without marketing only the analytics destination hears; without personalization nobody is a member', async () => {
    const bo = await collector.pseudonym('user-bo')
    await identify('bo', 'pro', stamp(true, false))
    await identify('cy', 'pro', stamp(false, true))
    await until(() => announced('/crm').some(([, user]) => user === bo))
    const size = JSON.parse((await admin('/audiences/pro-member/size?site=demo')).text)
    expect(size).toEqual({ site: 'demo', audience: 'pro-member', members: 1 })
    const cy = await collector.pseudonym('user-cy')
    expect([...announced('/crm'), ...announced('/ads')].filter(([, user]) => user === cy)).toEqual([])
    expect(announced('/ads').filter(([, user]) => user === bo)).toEqual([])
  })

  it('exports the hashed addresses of members with marketing consent, with the count and the basis', async () => {
    await identify('di', 'pro', stamp(true, true))
    const di = await collector.pseudonym('user-di')
    await until(() => announced('/crm').some(([, user]) => user === di))
    const out = await admin('/audiences/pro-member/export?site=demo')
    expect(out.status).toBe(200)
    const body = JSON.parse(out.text)
    const sha = (v: string) => createHash('sha256').update(v).digest('hex')
    expect(body).toMatchObject({
      members: 2,
      count: 1,
      excluded: 1,
      identifiers: [{ email_sha256: sha('di@example.com') }],
    })
    expect(body.basis).toMatch(/marketing/)
    expect(out.text).not.toMatch(/example\.com/i)
    const csv = await admin('/audiences/pro-member/export?site=demo&format=csv')
    expect(csv.text.trim().split(/\r?\n/)).toEqual(['email_sha256', sha('di@example.com')])
    // The person's own export lists their audiences.
    const person = JSON.parse(
      (await admin(`/profiles/${encodeURIComponent('user-di')}/export?site=demo`)).text,
    )
    expect(person.audiences).toMatchObject([{ audience: 'pro-member', member: true }])
  })

  it('erasure takes the membership; the write key reaches no audience route', async () => {
    expect((await admin(`/profiles/${encodeURIComponent('user-di')}?site=demo`, 'DELETE')).status).toBe(200)
    const size = JSON.parse((await admin('/audiences/pro-member/size?site=demo')).text)
    expect(size.members).toBe(1)
    for (const path of [
      '/audiences/pro-member/export?site=demo',
      '/audiences/pro-member/size?site=demo',
      '/audiences?site=demo',
    ]) {
      const res = await fetch(`${collector.url}/admin/api${path}`, {
        headers: { authorization: `Bearer ${DEMO_WRITE_KEY}` },
      })
      expect(res.status).toBe(401)
    }
  })
})
