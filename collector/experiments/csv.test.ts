import { describe, expect, it } from 'vitest'
import { experimentSchema } from '../../sdk/rules/experiment-schema.ts'
import { resultsCsv } from './csv.ts'
import { experimentResults } from './results.ts'

describe('resultsCsv', () => {
  const results = experimentResults({
    experiment: experimentSchema.parse({
      key: 'x',
      status: 'running',
      variations: [{ key: 'control' }, { key: 'treat' }],
      goals: [{ event: '=HYPERLINK("http://evil")' }, { event: 'Order, "big"', property: 'revenue' }],
    }),
    people: [
      { variation: 'control', day: 1, hour: 1 * 24, users: 10 },
      { variation: 'treat', day: 1, hour: 1 * 24, users: 10 },
    ],
    metrics: [
      [{ variation: 'treat', day: 1, hour: 1 * 24, users: 3, sum: 3, sumSquares: 3 }],
      [{ variation: 'control', day: 1, hour: 1 * 24, users: 2, sum: 30, sumSquares: 500 }],
    ],
    adjustment: 'holm',
  })
  const lines = resultsCsv(results).split('\r\n')

  it('has one row per metric and variation, empty cells for what does not apply', () => {
    expect(lines).toHaveLength(1 + 4 + 1) // header, rows, the final line break
    expect(lines[1]!.split(',').slice(4, 8)).toEqual(['control', '10', '0', '0'])
    expect(lines.at(-1)).toBe('')
  })

  it('gives the cap value of a capped metric, empty without one', () => {
    const capped = experimentResults({
      experiment: experimentSchema.parse({
        key: 'x',
        status: 'running',
        variations: [{ key: 'control' }, { key: 'treat' }],
        goals: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.99 } }],
      }),
      people: [{ variation: 'control', day: 1, hour: 1 * 24, users: 10 }],
      metrics: [
        [{ variation: 'control', day: 1, hour: 1 * 24, users: 2, sum: 30, sumSquares: 500, cap: 1234.5 }],
      ],
      adjustment: 'holm',
    })
    const [header, row] = resultsCsv(capped)
      .split('\r\n')
      .map((l) => l.split(','))
    expect(row![header!.indexOf('cap_value')]).toBe('1234.5')
    expect(lines[1]!.split(',').at(-1)).toBe('')
  })

  it('quotes commas and quotes, and never lets a spreadsheet run a cell as a formula', () => {
    expect(lines[1]!.startsWith(`"'=HYPERLINK(""http://evil"")"`)).toBe(true)
    expect(lines[3]!.startsWith('"Order, ""big""",revenue,goal,mean,control')).toBe(true)
  })
})
