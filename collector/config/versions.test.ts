import { describe, expect, it } from 'vitest'
import { diffConfigs, StaleVersion, versionTag } from './versions.ts'

describe('diffConfigs', () => {
  it('lists each changed leaf by its path; arrays element by element', () => {
    const before = {
      id: 'demo',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      experiments: [{ key: 'cta', status: 'running', weights: [0.5, 0.5] }],
      retentionDays: 395,
    }
    const after = {
      id: 'demo',
      allowedOrigins: ['https://a.example'],
      experiments: [{ key: 'cta', status: 'stopped', weights: [0.5, 0.5] }],
      language: 'zh-CN',
    }
    expect(diffConfigs(before, after)).toEqual([
      { path: 'allowedOrigins[1]', before: 'https://b.example' },
      { path: 'experiments[0].status', before: 'running', after: 'stopped' },
      { path: 'retentionDays', before: 395 },
      { path: 'language', after: 'zh-CN' },
    ])
  })

  it('finds nothing between equal configs, whatever their key order; a changed type is one change', () => {
    expect(diffConfigs({ a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 })).toEqual([])
    expect(diffConfigs({ a: { b: 1 } }, { a: [1] })).toEqual([{ path: 'a', before: { b: 1 }, after: [1] }])
    expect(diffConfigs(1, 2)).toEqual([{ path: '', before: 1, after: 2 }])
  })
})

describe('versionTag and StaleVersion', () => {
  it('names the site and version; a stale change says what to do', () => {
    expect(versionTag('demo', 3)).toBe('"demo.v3"')
    const stale = new StaleVersion('demo', 2, 3)
    expect(stale.message).toBe(
      'site demo changed since version 2 (now version 3): load it again and redo the change',
    )
  })
})
