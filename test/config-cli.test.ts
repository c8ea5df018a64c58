// `npm run config -- check` as a site owner's pipeline runs it: the exit code says valid or not,
// and every problem comes with its path.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support/collector-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'precis-config-cli-'))

const config = (...args: string[]) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'collector/cli/config.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  return { code: run.status, out: run.stdout.trim(), err: run.stderr.trim() }
}

// Each case starts Node with tsx: seconds on a busy machine.
describe('npm run config -- check', { timeout: 60_000 }, () => {
  it('passes the demo config', () => {
    expect(config('check', join(ROOT, 'precis.config.json'))).toEqual({
      code: 0,
      out: `${join(ROOT, 'precis.config.json')} is valid: 1 site (demo)`,
      err: '',
    })
  })

  it('fails an invalid config with every problem and its path', () => {
    const file = join(dir, 'bad.json')
    writeFileSync(
      file,
      JSON.stringify({
        sites: [
          { id: 'a', writeKey: 'short' },
          { id: 'b', writeKey: 'long-enough-key', experiments: [{ key: 'e' }] },
        ],
      }),
    )
    const { code, out, err } = config('check', file)
    expect({ code, out }).toEqual({ code: 1, out: '' })
    expect(err.split('\n')).toEqual([
      `site config ${file} is invalid:`,
      '  - sites[0].writeKey: must be at least 8 characters',
      '  - sites[1].experiments[0].variations: Invalid input: expected array, received undefined',
      '  - sites[1].experiments[0].goals: Invalid input: expected array, received undefined',
    ])
  })

  it('fails a file that is missing or not JSON, and a call without a file', () => {
    expect(config('check', join(dir, 'missing.json'))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^cannot read site config .*missing\.json: ENOENT[^()]*$/),
    })
    writeFileSync(join(dir, 'broken.json'), '{"sites": [')
    expect(config('check', join(dir, 'broken.json'))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/is not valid JSON/),
    })
    expect(config('check')).toEqual({ code: 2, out: '', err: 'usage: npm run config -- check <file>' })
  })
})
