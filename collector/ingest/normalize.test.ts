import { describe, expect, it } from 'vitest'
import { type NormalizeContext, normalizeEvent } from './normalize.ts'

const ctx: NormalizeContext = {
  site: 'demo',
  receivedAt: 0,
  newId: () => 'generated',
  enrich: (context) => ({ context: { ...context }, bot: false }),
  dropBots: false,
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
})
