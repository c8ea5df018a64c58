// The short version of every drill, in the test command. `npm run drills` runs them in full.
import { describe, expect, it } from 'vitest'
import { passed } from './drill.ts'
import { DRILLS } from './registry.ts'

describe('drills (short)', () => {
  it.each(Object.keys(DRILLS))(
    '%s holds',
    async (name) => {
      const drill = await DRILLS[name]!()
      const result = await drill.run('short')
      expect(result.failures, JSON.stringify(result.figures)).toEqual([])
      expect(passed(result)).toBe(true)
    },
    300_000,
  )
})
