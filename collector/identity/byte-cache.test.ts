import v8 from 'node:v8'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { prng } from '../../test/support/prng.ts'
import { approxBytes, createByteCache, ENTRY_BYTES } from './byte-cache.ts'

const bySize = (key: string, value: string) => key.length + value.length

describe('byte cache', () => {
  it('holds what fits and evicts the least recently used first', () => {
    const cache = createByteCache<string, string>(10, bySize)
    cache.set('a', '1111')
    cache.set('b', '2222')
    expect(cache.get('a')).toBe('1111') // a is now the most recent
    cache.set('c', '3333')
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['1111', undefined, '3333'])
    expect(cache.bytes).toBe(10)
    expect(cache.evictions).toBe(1)
  })

  it('measures a value again when it is set again', () => {
    const cache = createByteCache<string, string>(100, bySize)
    cache.set('a', '1')
    cache.set('a', '123456789')
    expect(cache.bytes).toBe(10)
    expect(cache.size).toBe(1)
  })

  it('never goes over its budget, and keeps its peak across clear', () => {
    const cache = createByteCache<string, string>(1_000, bySize)
    for (let i = 0; i < 10_000; i++) {
      cache.set(`key-${i}`, 'v'.repeat(i % 50))
      expect(cache.bytes).toBeLessThanOrEqual(1_000)
    }
    expect(cache.peak).toBeLessThanOrEqual(1_000)
    expect(cache.peak).toBeGreaterThan(900)
    cache.clear()
    expect([cache.bytes, cache.size]).toEqual([0, 0])
    expect(cache.peak).toBeGreaterThan(900)
  })

  it('does not hold a value larger than the whole budget', () => {
    const cache = createByteCache<string, string>(10, bySize)
    cache.set('a', '1')
    cache.set('big', '12345678901')
    expect(cache.get('big')).toBeUndefined()
    expect(cache.get('a')).toBe('1')
  })

  it('without a budget holds everything and measures nothing', () => {
    const cache = createByteCache<string, string>(Number.POSITIVE_INFINITY, () => {
      throw new Error('measured')
    })
    for (let i = 0; i < 1_000; i++) cache.set(`k${i}`, 'v')
    expect([cache.size, cache.bytes, cache.evictions]).toEqual([1_000, 0, 0])
  })

  it('deletes', () => {
    const cache = createByteCache<string, string>(10, bySize)
    cache.set('a', '1')
    cache.delete('a')
    cache.delete('missing')
    expect([cache.get('a'), cache.bytes]).toEqual([undefined, 0])
  })

  it.each([1, 2, 3])('evicts exactly as a plain LRU list would (seed %i)', (seed) => {
    // The model finds the oldest entry the slow way; the cache keeps an iterator across evictions.
    const random = prng(seed)
    const pick = (n: number) => Math.floor(random() * n)
    const cache = createByteCache<string, string>(200, bySize)
    const model = new Map<string, string>()
    const modelBytes = () => [...model].reduce((sum, [k, v]) => sum + bySize(k, v), 0)
    for (let step = 0; step < 20_000; step++) {
      const key = `k${pick(60)}`
      const op = pick(20)
      if (op < 8) {
        const hit = model.get(key)
        if (hit !== undefined) {
          model.delete(key)
          model.set(key, hit)
        }
        expect(cache.get(key)).toBe(hit)
      } else if (op < 18) {
        const value = 'v'.repeat(pick(30))
        cache.set(key, value)
        model.delete(key)
        model.set(key, value)
        while (modelBytes() > 200) model.delete(model.keys().next().value!)
      } else if (op < 19) {
        cache.delete(key)
        model.delete(key)
      } else if (pick(50) === 0) {
        cache.clear()
        model.clear()
      }
      expect([cache.size, cache.bytes]).toEqual([model.size, modelBytes()])
    }
  })

  it('estimates strings, numbers, arrays and objects', () => {
    expect(approxBytes('abcd')).toBe(approxBytes('') + 4)
    expect(approxBytes({ a: 'x' })).toBeGreaterThan(approxBytes('x'))
    expect(approxBytes([1, 2, 3])).toBeGreaterThan(approxBytes([1]))
    expect(approxBytes(null)).toBe(approxBytes(7))
  })
})

describe('byte estimate against the heap', () => {
  // V8's own count, after full collections, for the entries the resolver caches: the estimate
  // must stay near it, or the budget says little about memory.
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  const heapUsed = () => {
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  const id = (i: number) => `~${Buffer.from(`person-${i}-0123456789`).toString('base64url').slice(0, 22)}`
  const uuid = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`
  const N = 50_000

  it.each([
    [
      'owners',
      (i: number) => [`o\0memory\0anonymous\0${id(i)}`, { owner: i % 4 === 0 ? null : uuid(i) }] as const,
    ],
    [
      'profiles',
      (i: number) =>
        [
          `p\0memory\0${uuid(i)}`,
          {
            createdSeq: i,
            data: JSON.parse(
              JSON.stringify({
                firstSeen: 1_764_918_000_000 + i,
                lastSeen: 1_764_918_000_000 + i,
                traits: { email: `enc:v1:${id(i)}:${'x'.repeat(80)}${i}`, plan: 'free' },
                traitTimes: { email: 1_764_918_000_000, plan: 1_764_918_000_000 },
                counts: { identify: 1, track: 1 },
                revenue: 0,
                orders: 0,
              }),
            ),
            ids: [
              { kind: 'anonymous', value: id(i) },
              { kind: 'email', value: `${id(i)}${id(i + 1)}` },
              { kind: 'user', value: id(i + 2) },
            ],
            dirty: false,
          },
        ] as const,
    ],
  ])('%s: within 35 %% of what V8 holds', (_kind, entry) => {
    const before = heapUsed()
    const cache = createByteCache<string, unknown>(
      Number.MAX_SAFE_INTEGER,
      (k, v) => ENTRY_BYTES + approxBytes(k) + approxBytes(v),
    )
    for (let i = 0; i < N; i++) {
      const [key, value] = entry(i)
      cache.set(key, value)
    }
    const held = heapUsed() - before
    expect(cache.size).toBe(N)
    expect(cache.bytes / held).toBeGreaterThan(0.65)
    expect(cache.bytes / held).toBeLessThan(1.35)
  })
})
