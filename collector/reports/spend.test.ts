import { describe, expect, it } from 'vitest'
import { csvRecords, MAX_SPEND_ROWS, problemPath, problemText, spendCsv, spendImport } from './spend.ts'

const problemOf = (r: ReturnType<typeof spendCsv>) => ('problem' in r ? r.problem : undefined)

describe('spendCsv', () => {
  it('reads the documented columns, in any order, with quotes, CRLF, a BOM and blank lines', () => {
    const text =
      '\uFEFFdate,campaign,source,medium,cost,currency\r\n2026-03-01,"winter, sale",google,cpc,12.5,eur\r\n\r\n' +
      '2026-03-02,"say ""hi""",,,0,EUR\n'
    expect(spendCsv(text)).toEqual({
      rows: [
        {
          date: '2026-03-01',
          campaign: 'winter, sale',
          source: 'google',
          medium: 'cpc',
          channel: null,
          cost: 12.5,
          currency: 'EUR',
        },
        {
          date: '2026-03-02',
          campaign: 'say "hi"',
          source: null,
          medium: null,
          channel: null,
          cost: 0,
          currency: 'EUR',
        },
      ],
    })
    expect(spendCsv('Currency,Cost,Campaign,Date,Channel\nUSD,3.10,a,2026-01-31,Display')).toMatchObject({
      rows: [{ date: '2026-01-31', campaign: 'a', cost: 3.1, currency: 'USD', channel: 'Display' }],
    })
  })

  it('names the row and column of the first problem', () => {
    const bad = (body: string) => problemOf(spendCsv(`date,campaign,source,medium,cost,currency\n${body}`))
    expect(bad('2026-03-01,a,,,1,EUR\n2026-02-30,a,,,1,EUR')).toEqual({
      row: 2,
      column: 'date',
      message: 'must be a date YYYY-MM-DD',
    })
    for (const cost of ['-1', '1.234', '1,5', 'ten', '', '1e3'])
      expect(bad(`2026-03-01,a,,,"${cost}",EUR`)).toMatchObject({ row: 1, column: 'cost' })
    expect(bad('2026-03-01,,,,1,EUR')).toMatchObject({ row: 1, column: 'campaign' })
    expect(bad('2026-03-01,a,,,1,euro')).toMatchObject({ row: 1, column: 'currency' })
    expect(bad('2026-03-01,a,,,1,EUR\n2026-03-02,a,,,1,USD')).toMatchObject({ row: 2, column: 'currency' })
    expect(bad('2026-03-01,a,g,,1,EUR\n2026-03-01,a,g,,2,EUR')).toMatchObject({
      row: 2,
      column: null,
      message: expect.stringContaining('repeats row 1'),
    })
    expect(bad('2026-03-01,a,,1,EUR')).toMatchObject({ row: 1, message: 'has 5 cells, the header 6' })
    expect(bad('')).toMatchObject({ row: null, message: 'holds no row' })
    expect(bad('2026-03-01,"a,,,1,EUR')).toMatchObject({ message: 'a quoted cell is not closed' })
  })

  it('refuses a header without a required column, or with an unknown one', () => {
    expect(problemOf(spendCsv('date,campaign,cost\n2026-03-01,a,1'))).toMatchObject({ column: 'currency' })
    expect(problemOf(spendCsv('date,campaign,cost,currency,clicks\n'))).toMatchObject({
      column: 'clicks',
      message: expect.stringContaining('unknown column'),
    })
    expect(problemOf(spendCsv(''))).toMatchObject({ message: 'holds no header line' })
  })

  it('takes at most MAX_SPEND_ROWS rows', () => {
    const line = '2026-03-01,a,,,1,EUR\n'
    const many = `date,campaign,source,medium,cost,currency\n${line.repeat(MAX_SPEND_ROWS + 1)}`
    expect(problemOf(spendCsv(many))).toMatchObject({
      row: null,
      message: `at most ${MAX_SPEND_ROWS} rows per import`,
    })
  })
})

describe('spendImport (JSON rows)', () => {
  it('takes numbers or strings for cost and refuses unknown channels', () => {
    expect(spendImport([{ date: '2026-03-01', campaign: 'a', cost: 0.3, currency: 'EUR' }])).toMatchObject({
      rows: [{ cost: 0.3, source: null }],
    })
    expect(
      spendImport([{ date: '2026-03-01', campaign: 'a', cost: 1, currency: 'EUR', channel: 'TV' }]),
    ).toMatchObject({
      problem: { row: 1, column: 'channel' },
    })
    expect(spendImport({})).toMatchObject({ problem: { row: null, message: 'must be a list of rows' } })
    expect(spendImport([{ date: '2026-03-01', campaign: 'a', currency: 'EUR' }])).toMatchObject({
      problem: { row: 1, column: 'cost' },
    })
  })

  it('writes problems as the refusal names them', () => {
    const p = { row: 3, column: 'cost', message: 'must be a number' }
    expect(problemPath(p)).toBe('rows.2.cost')
    expect(problemText(p)).toBe('row 3, column cost: must be a number')
    expect(problemPath({ row: null, column: null, message: 'x' })).toBe('rows')
  })
})

describe('csvRecords', () => {
  it('splits RFC 4180 text', () => {
    expect(csvRecords('a,b\r\n"x\ny",""\n')).toEqual([
      ['a', 'b'],
      ['x\ny', ''],
    ])
  })
})
