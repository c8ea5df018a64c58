import { expect, it } from 'vitest'
import { makeRow } from '../../test/contracts/store.contract.ts'
import { toSegmentEvent } from './event-row.ts'

it('puts envelope columns and body back into one Segment event', () => {
  const track = makeRow({
    messageId: 'm1',
    name: 'Signed Up',
    userId: 'u1',
    payload: '{"properties":{"a":1}}',
  })
  expect(toSegmentEvent(track)).toEqual({
    type: 'track',
    messageId: 'm1',
    anonymousId: 'anon-1',
    userId: 'u1',
    event: 'Signed Up',
    properties: { a: 1 },
    timestamp: '2023-11-14T22:13:20.000Z',
    receivedAt: '2023-11-14T22:13:20.500Z',
  })
  const page = makeRow({ type: 'page', name: 'Home', anonymousId: null, userId: 'u1', payload: '{}' })
  expect(toSegmentEvent(page)).toMatchObject({ type: 'page', name: 'Home' })
  expect(toSegmentEvent(page)).not.toHaveProperty('anonymousId')
  expect(toSegmentEvent({ ...page, name: null })).not.toHaveProperty('name')
})
