// The browser's side of rights tokens with its edges faked: fetch, storage, consent and clock.
import { describe, expect, it } from 'vitest'
import { memoryStorage } from '../../test/support/sdk-fakes.ts'
import { STORAGE_KEYS } from '../core/tracker.ts'
import { visitorRights } from './rights.ts'

const DAY = 86_400_000
const T0 = Date.parse('2026-11-23T12:00:00Z')
const API = 'https://collect.example'

type Answer = { status: number; body?: unknown }
type Listener = (
  state: { purposes: { analytics: boolean } },
  previous: { purposes: { analytics: boolean } },
) => void

/** A page: the rights module over fake edges. `answer` decides what the collector says. */
const page = (
  options: {
    storage?: ReturnType<typeof memoryStorage>
    analytics?: boolean
    now?: number
    writeKey?: string | undefined
    anonymousId?: string
    answer?: (path: string, body: Record<string, unknown>) => Answer
  } = {},
) => {
  const storage = options.storage ?? memoryStorage()
  let analytics = options.analytics ?? true
  let anonymousId: string | null = analytics ? (options.anonymousId ?? 'anon-1') : null
  // The tracker keeps the messageId of the id's first event (here: sent already).
  if (anonymousId && !storage.get(STORAGE_KEYS.first))
    storage.set(STORAGE_KEYS.first, `first-of-${anonymousId}`)
  let clock = options.now ?? T0
  let writeKey = 'writeKey' in options ? options.writeKey : 'wk'
  let issued = 0
  const calls: { path: string; body: Record<string, unknown> }[] = []
  const answer =
    options.answer ??
    ((path: string, body: Record<string, unknown>): Answer => {
      if (path === 'revoke' || path === 'delete') return { status: 200, body: { success: true } }
      const id = path === 'token' ? body.anonymousId : String(body.token).split('.')[0]
      return {
        status: 200,
        body: { token: `${id}.${++issued}`, expiresAt: new Date(clock + 30 * DAY).toISOString() },
      }
    })
  // Answers made of plain promises: everything the module does with them settles in microtasks.
  const fetch = async (url: string, init: RequestInit) => {
    const path = url.slice(`${API}/v1/identity/`.length)
    const body = JSON.parse(String(init.body))
    calls.push({ path, body })
    const { status, body: out } = answer(path, body)
    return { ok: status < 300, status, json: async () => out, text: async () => JSON.stringify(out) }
  }
  const listeners: Listener[] = []
  const consent = {
    get: () => ({ purposes: { analytics } }),
    on: (_: 'change', fn: Listener) => {
      listeners.push(fn)
      return () => {}
    },
  }
  // The tracker listens first (it is made first) and clears its keys on withdrawal.
  consent.on('change', (state, previous) => {
    if (previous.purposes.analytics && !state.purposes.analytics) {
      for (const key of Object.values(STORAGE_KEYS)) storage.remove(key)
      anonymousId = null
    } else if (state.purposes.analytics) {
      anonymousId ??= options.anonymousId ?? 'anon-1'
      if (!storage.get(STORAGE_KEYS.first)) storage.set(STORAGE_KEYS.first, `first-of-${anonymousId}`)
    }
  })
  const precis = {
    user: () => ({ anonymousId, userId: null }),
    reset: () => {
      anonymousId = 'anon-2'
      storage.remove(STORAGE_KEYS.first)
    },
    outbox: { clear: async () => {} },
  }
  const win = { fetch, document: {}, setTimeout } as unknown as Window
  const rights = visitorRights(
    win,
    API,
    () => writeKey,
    storage,
    precis as never,
    consent as never,
    () => clock,
  )
  return {
    rights,
    storage,
    calls,
    /** Lets every answer reach the module, and whatever it asked next because of them. */
    settle: () => new Promise((done) => setImmediate(done)),
    held: () => JSON.parse(storage.get(STORAGE_KEYS.token) ?? 'null'),
    grant: (granted: boolean) => {
      const previous = { purposes: { analytics } }
      analytics = granted
      for (const fn of listeners) fn({ purposes: { analytics } }, previous)
    },
    setWriteKey: (key: string) => {
      writeKey = key
    },
    at: (ms: number) => {
      clock = ms
    },
  }
}

describe('visitor rights tokens in the browser', () => {
  it('asks for a token under analytics consent and keeps it with its renewal time and end', async () => {
    const p = page()
    p.rights.ensureToken()
    await p.settle()
    expect(p.calls).toEqual([
      { path: 'token', body: { anonymousId: 'anon-1', firstMessageId: 'first-of-anon-1', writeKey: 'wk' } },
    ])
    expect(p.held()).toEqual({ t: 'anon-1.1', a: 'anon-1', r: T0 + 15 * DAY, e: T0 + 30 * DAY })
    expect(p.rights.available()).toBe(true)
  })

  it('tells a listener when the token arrives, so a dialog already open can show the buttons', async () => {
    const p = page()
    const seen: boolean[] = []
    p.rights.onAvailable(() => seen.push(p.rights.available()))
    p.rights.ensureToken()
    expect(seen).toEqual([])
    await p.settle()
    expect(seen).toEqual([true])
  })

  it('asks nothing and keeps nothing without analytics consent or before the site config', async () => {
    const refused = page({ analytics: false })
    refused.rights.ensureToken()
    const early = page({ writeKey: undefined })
    early.rights.ensureToken()
    await Promise.all([refused.settle(), early.settle()])
    expect([refused.calls, early.calls]).toEqual([[], []])
    expect([refused.held(), early.held()]).toEqual([null, null])
  })

  it('renews on a page load past half its life, not before', async () => {
    const storage = memoryStorage()
    const first = page({ storage })
    first.rights.ensureToken()
    await first.settle()
    const before = page({ storage, now: T0 + 15 * DAY - 1 })
    before.rights.ensureToken()
    await before.settle()
    expect(before.calls).toEqual([])
    const after = page({ storage, now: T0 + 15 * DAY })
    after.rights.ensureToken()
    await after.settle()
    expect(after.calls).toEqual([{ path: 'token/renew', body: { token: 'anon-1.1', writeKey: 'wk' } }])
    expect(after.held()).toEqual({ t: 'anon-1.1', a: 'anon-1', r: T0 + 30 * DAY, e: T0 + 45 * DAY })
  })

  it('asks for a new token when the kept one has ended, or when renewal is refused', async () => {
    const ended = page({ storage: memoryStorage(), now: T0 + 30 * DAY })
    ended.storage.set(
      STORAGE_KEYS.token,
      JSON.stringify({ t: 'anon-1.old', a: 'anon-1', r: T0 + 15 * DAY, e: T0 + 30 * DAY }),
    )
    ended.rights.ensureToken()
    await ended.settle()
    expect(ended.calls.map((c) => c.path)).toEqual(['token'])

    const refused = page({
      now: T0 + 20 * DAY,
      answer: (path) =>
        path === 'token/renew'
          ? { status: 403, body: { error: { code: 'invalid_token' } } }
          : { status: 200, body: { token: 'anon-1.new', expiresAt: new Date(T0 + 50 * DAY).toISOString() } },
    })
    refused.storage.set(
      STORAGE_KEYS.token,
      JSON.stringify({ t: 'anon-1.old', a: 'anon-1', r: T0 + 15 * DAY, e: T0 + 30 * DAY }),
    )
    refused.rights.ensureToken()
    await refused.settle()
    expect(refused.calls.map((c) => c.path)).toEqual(['token/renew', 'token'])
    expect(refused.held().t).toBe('anon-1.new')
  })

  it('keeps the token another tab renewed first instead of dropping it', async () => {
    const storage = memoryStorage()
    const old = { t: 'anon-1.old', a: 'anon-1', r: T0 + 15 * DAY, e: T0 + 30 * DAY }
    const theirs = { t: 'anon-1.theirs', a: 'anon-1', r: T0 + 35 * DAY, e: T0 + 50 * DAY }
    storage.set(STORAGE_KEYS.token, JSON.stringify(old))
    const p = page({
      storage,
      now: T0 + 20 * DAY,
      answer: () => {
        storage.set(STORAGE_KEYS.token, JSON.stringify(theirs)) // the other tab won the race
        return { status: 403, body: { error: { code: 'invalid_token' } } }
      },
    })
    p.rights.ensureToken()
    await p.settle()
    expect(p.calls.map((c) => c.path)).toEqual(['token/renew'])
    expect(p.held()).toEqual(theirs)
  })

  it('a token of the old form counts as none', async () => {
    const p = page()
    p.storage.set(STORAGE_KEYS.token, 'anon-1.signature-of-the-old-kind')
    expect(p.rights.available()).toBe(false)
    p.rights.ensureToken()
    await p.settle()
    expect(p.calls.map((c) => c.path)).toEqual(['token'])
  })

  it('gives the token back when analytics consent is withdrawn, after the tracker cleared storage', async () => {
    const p = page()
    p.rights.ensureToken()
    await p.settle()
    p.grant(false)
    await p.settle()
    expect(p.calls.at(-1)).toEqual({ path: 'revoke', body: { token: 'anon-1.1', writeKey: 'wk' } })
    expect(p.held()).toBeNull()
    expect(p.rights.available()).toBe(false)
    p.grant(false) // said twice: nothing more to give back
    await p.settle()
    expect(p.calls.filter((c) => c.path === 'revoke')).toHaveLength(1)
  })

  it('stores nothing of a token that arrives after analytics was withdrawn, and gives it back', async () => {
    const p = page()
    p.rights.ensureToken()
    // Withdrawn while the token is being asked (the purge has already run).
    p.grant(false)
    await p.settle()
    expect(p.held()).toBeNull()
    expect(p.calls.at(-1)).toEqual({ path: 'revoke', body: { token: 'anon-1.1', writeKey: 'wk' } })
    expect(p.rights.available()).toBe(false)
  })

  it('a withdrawal before the site config arrives is sent once the write key is known', async () => {
    const storage = memoryStorage()
    storage.set(
      STORAGE_KEYS.token,
      JSON.stringify({ t: 'anon-1.kept', a: 'anon-1', r: T0 + DAY, e: T0 + 2 * DAY }),
    )
    const p = page({ storage, writeKey: undefined })
    p.grant(false)
    expect(p.calls).toEqual([])
    p.setWriteKey('wk')
    p.rights.ensureToken()
    await p.settle()
    expect(p.calls).toEqual([{ path: 'revoke', body: { token: 'anon-1.kept', writeKey: 'wk' } }])
  })

  it('after deletion the new anonymous visitor gets a new token', async () => {
    const p = page()
    p.rights.ensureToken()
    await p.settle()
    expect(await p.rights.erase()).toBe(true)
    await p.settle()
    // Nothing is asked for the new id before its first event is delivered.
    expect(p.calls).toHaveLength(2)
    p.storage.set(STORAGE_KEYS.first, 'first-of-anon-2')
    p.rights.delivered()
    await p.settle()
    expect(p.calls.map((c) => [c.path, c.body.token ?? c.body.anonymousId])).toEqual([
      ['token', 'anon-1'],
      ['delete', 'anon-1.1'],
      ['token', 'anon-2'],
    ])
    expect(p.held().t).toBe('anon-2.2')
  })

  it('asked before the first event was stored (409), asks again after the next delivery', async () => {
    let ready = false
    const p = page({
      answer: (_, body) =>
        ready
          ? {
              status: 200,
              body: { token: `${body.anonymousId}.1`, expiresAt: new Date(T0 + 30 * DAY).toISOString() },
            }
          : { status: 409, body: { error: { code: 'token_not_ready' } } },
    })
    p.rights.ensureToken()
    await p.settle()
    expect(p.rights.available()).toBe(false)
    ready = true
    p.rights.delivered()
    await p.settle()
    expect(p.calls.map((c) => c.path)).toEqual(['token', 'token'])
    expect(p.rights.available()).toBe(true)
    p.rights.delivered()
    await p.settle()
    expect(p.calls).toHaveLength(2)
  })

  it('asks again at once when the first event was delivered while the refused request was under way', async () => {
    let answers = 0
    let rights: { delivered(): void } | undefined
    const p = page({
      answer: (_, body) => {
        if (answers++ > 0)
          return {
            status: 200,
            body: { token: `${body.anonymousId}.1`, expiresAt: new Date(T0 + 30 * DAY).toISOString() },
          }
        rights?.delivered() // the batch landed between the request and its answer
        return { status: 409, body: { error: { code: 'token_not_ready' } } }
      },
    })
    rights = p.rights
    p.rights.ensureToken()
    await p.settle()
    await p.settle()
    expect(p.calls.map((c) => c.path)).toEqual(['token', 'token'])
    expect(p.rights.available()).toBe(true)
  })

  it('asks nothing before the tracker sent a first event, and asks once one was delivered', async () => {
    const storage = memoryStorage()
    const p = page({ storage })
    storage.remove(STORAGE_KEYS.first)
    p.rights.ensureToken()
    await p.settle()
    expect(p.calls).toEqual([])
    storage.set(STORAGE_KEYS.first, 'first-of-anon-1')
    p.rights.delivered()
    await p.settle()
    expect(p.calls.map((c) => c.body.firstMessageId)).toEqual(['first-of-anon-1'])
  })
})
