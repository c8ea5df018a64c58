import { describe, expect, it } from 'vitest'
import { memoryStorage } from '../../test/support/sdk-fakes.ts'
import { campaignFrom } from './campaign.ts'
import { createSessions, SESSION_KEY } from './session.ts'

const MIN = 60_000

describe('campaign', () => {
  it("reads utm parameters in Segment's shape and click ids under their names", () => {
    expect(
      campaignFrom(
        'https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=abc&x=1',
      ),
    ).toEqual({ source: 'news', medium: 'email', name: 'spring', gclid: 'abc' })
    expect(campaignFrom('https://shop.example/?fbclid=f1&msclkid=m1')).toEqual({
      fbclid: 'f1',
      msclkid: 'm1',
    })
  })

  it('is undefined without campaign parameters or for a bad URL', () => {
    expect(campaignFrom('https://shop.example/?q=tent')).toBeUndefined()
    expect(campaignFrom('not a url')).toBeUndefined()
  })
})

describe('sessions', () => {
  const setup = (timeout?: number) => {
    let n = 0
    const storage = memoryStorage()
    return { storage, sessions: createSessions(storage, () => `s${++n}`, timeout) }
  }
  const page = { url: 'https://shop.example/', referrer: 'https://search.example/' }

  it('starts one, keeps it while events come within the timeout, and counts its events', () => {
    const { sessions, storage } = setup()
    const first = sessions.touch(0, page, true)
    expect(first).toMatchObject({ started: true, session: { id: 's1', referrer: page.referrer } })
    expect(first.ended).toBeUndefined()
    const later = sessions.touch(29 * MIN, page, true)
    const last = sessions.touch(58 * MIN, page, true)
    expect([later.started, last.started]).toEqual([false, false])
    expect(last.session).toMatchObject({ id: 's1', events: 3, start: 0, last: 58 * MIN })
    expect(JSON.parse(storage.get(SESSION_KEY)!).id).toBe('s1')
  })

  it('ends after the inactivity timeout and reports the session that ended', () => {
    const { sessions } = setup(10 * MIN)
    sessions.touch(0, page, true)
    sessions.touch(5 * MIN, page, true)
    const next = sessions.touch(15 * MIN + 1, page, true)
    expect(next).toMatchObject({ started: true, session: { id: 's2' }, ended: { id: 's1', events: 2 } })
  })

  it('keeps the landing campaign for the whole session; a new campaign starts a new one', () => {
    const { sessions } = setup()
    const landing = sessions.touch(
      0,
      { url: 'https://shop.example/?utm_source=news&utm_campaign=spring' },
      true,
    )
    const inner = sessions.touch(MIN, { url: 'https://shop.example/tents' }, true)
    expect(inner.session.campaign).toEqual(landing.session.campaign)
    const ad = sessions.touch(2 * MIN, { url: 'https://shop.example/?gclid=g1' }, true)
    expect(ad).toMatchObject({ started: true, session: { campaign: { gclid: 'g1' } } })
  })

  it('without marketing consent, forgets the click ids of a session stored with it', () => {
    const { sessions, storage } = setup()
    sessions.touch(
      0,
      { url: 'https://shop.example/?utm_source=news&gclid=g1', referrer: page.referrer },
      true,
    )
    // The tracker hands over the page without click ids; the same campaign is the same session.
    const next = sessions.touch(MIN, { url: 'https://shop.example/?utm_source=news' }, false)
    expect(next).toMatchObject({
      started: false,
      session: {
        id: 's1',
        landingPage: 'https://shop.example/?utm_source=news',
        campaign: { source: 'news' },
      },
    })
    expect(storage.get(SESSION_KEY)).not.toContain('g1')
  })

  it('drops the stored click ids when marketing is withdrawn, and keeps the session', () => {
    const { sessions, storage } = setup()
    sessions.touch(0, { url: 'https://shop.example/?gclid=g1&utm_source=news' }, true)
    sessions.dropClickIds()
    const stored = JSON.parse(storage.get(SESSION_KEY)!)
    expect(stored).toMatchObject({
      id: 's1',
      events: 1,
      landingPage: 'https://shop.example/?utm_source=news',
    })
    expect(stored.campaign).toEqual({ source: 'news' })
    sessions.dropClickIds() // nothing stored after a reset: nothing written
    storage.remove(SESSION_KEY)
    sessions.dropClickIds()
    expect(storage.data.size).toBe(0)
  })

  it('survives a corrupt stored value', () => {
    const { sessions, storage } = setup()
    storage.set(SESSION_KEY, '{not json')
    expect(sessions.touch(0, page, true).started).toBe(true)
  })
})
