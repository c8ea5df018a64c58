import { describe, expect, it } from 'vitest'
import { holdsNul, type NormalizeContext, normalizeEvent } from './normalize.ts'

const ctx: NormalizeContext = {
  site: 'demo',
  receivedAt: 0,
  newId: () => 'generated',
  enrich: (context) => ({ context: { ...context }, bot: false }),
  dropBots: false,
  // As from a server: these tests are about shape, not consent (tested in routes/ingest.test.ts).
  server: true,
  pathPrefix: 'batch[0]',
}

/** A value `depth` arrays deep, built without recursion (as JSON.parse would hand it over). */
const nested = (depth: number) => {
  let value: unknown = []
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

const track = (properties: Record<string, unknown>) => ({
  type: 'track',
  event: 'Deep',
  anonymousId: 'a',
  messageId: 'm-1',
  properties,
})

describe('normalizeEvent', () => {
  it('refuses an event nested too deeply to serialize, instead of throwing', () => {
    expect(normalizeEvent(track({ deep: nested(200_000) }), 0, ctx)).toEqual({
      rejection: {
        index: 0,
        messageId: 'm-1',
        code: 'invalid_event',
        message: 'the event is nested too deeply',
        path: 'batch[0]',
      },
    })
  })

  it('keeps an event nested deeply but within reason', () => {
    const result = normalizeEvent(track({ deep: nested(500) }), 0, ctx)
    expect('row' in result && result.row.messageId).toBe('m-1')
  })

  it.each([
    ['a property', track({ note: 'a\u0000b' })],
    ['a property name', track({ 'a\u0000': 1 })],
    ['the event name', { ...track({}), event: 'Deep\u0000' }],
    ['the anonymousId', { ...track({}), anonymousId: '\u0000' }],
    ['the messageId', { ...track({}), messageId: 'm-\u0000' }],
  ])('refuses NUL in %s, as PostgreSQL would', (_, input) => {
    const result = normalizeEvent(input, 0, ctx)
    expect(result).toMatchObject({
      rejection: { code: 'invalid_event', message: expect.stringContaining('NUL') },
    })
  })
})

describe('holdsNul', () => {
  it('finds an escaped NUL, not a backslash before the text u0000', () => {
    expect(holdsNul(JSON.stringify({ a: 'x\u0000' }))).toBe(true)
    expect(holdsNul(JSON.stringify({ a: '\\\u0000' }))).toBe(true) // a backslash, then NUL
    expect(holdsNul(JSON.stringify({ a: '\\u0000' }))).toBe(false) // a backslash, then "u0000"
    expect(holdsNul(JSON.stringify({ a: '\\u0000', b: '\u0000' }))).toBe(true)
    expect(holdsNul('{"a":"u0000"}')).toBe(false)
  })
})
