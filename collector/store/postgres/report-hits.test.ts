import { expect, it } from 'vitest'
import { readInChunks } from './report-hits.ts'

it('reads every chunk once, at most `concurrency` at a time, and answers in the items’ order', async () => {
  const items = Array.from({ length: 11 }, (_, i) => i)
  for (const concurrency of [1, 2, 3, 20]) {
    let running = 0
    let most = 0
    const seen: number[][] = []
    const found = await readInChunks(items, 3, concurrency, async (chunk) => {
      seen.push(chunk)
      most = Math.max(most, ++running)
      // Later chunks answer first, so the order must come from the chunk, not from the answers.
      await new Promise((resolve) => setTimeout(resolve, 12 - chunk[0]!))
      running--
      return chunk.map((i) => i * 10)
    })
    expect(found).toEqual(items.map((i) => i * 10))
    expect(seen.flat().sort((a, b) => a - b)).toEqual(items)
    expect(most).toBe(Math.min(concurrency, 4))
  }
  expect(await readInChunks([], 3, 2, async () => [1])).toEqual([])
})
