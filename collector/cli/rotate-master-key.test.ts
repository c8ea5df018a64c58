import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decryptValue, encryptValue, envelopeKeyId, masterKey } from '../privacy/crypto.ts'
import { keyFilePath, openSqliteKeyStore } from '../store/sqlite/keys.ts'
import { failureLine, rotateMasterKey } from './rotate-master-key.ts'

const OLD = masterKey(Buffer.alloc(32, 0x0d))
const NEW = masterKey(Buffer.alloc(32, 0x0e))
const oldText = OLD.key.toString('hex')
const newText = NEW.key.toString('base64')

/** The command as `npm run rotate-master-key` runs it, with only the given environment. */
const runCommand = async (env: Record<string, string>) => {
  const run = promisify(execFile)
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'collector/cli/rotate-master-key.ts'],
      {
        env: { ...base, ...env },
        timeout: 60_000,
      },
    )
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('rotate-master-key', () => {
  let dir: string
  let database: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'precis-rotate-'))
    database = join(dir, 'precis.db')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('re-wraps every key as a child process, then finds nothing left; values still decrypt', async () => {
    const store = openSqliteKeyStore(keyFilePath(database), { master: OLD })
    const keys = await store.keysFor(
      'demo',
      Array.from({ length: 30 }, (_, i) => `s${i}`),
    )
    const envelope = encryptValue(keys.get('s7')!, { email: 'ada@example.com' }, 'demo/traits')
    await store.close()

    const env = {
      DATABASE_URL: `sqlite:${database}`,
      PRECIS_MASTER_KEY: newText,
      PRECIS_PREVIOUS_MASTER_KEY: oldText,
    }
    const first = await runCommand(env)
    expect(first).toEqual({
      code: 0,
      stdout: `rewrapped 30 data keys under master ${NEW.id} (previous ${OLD.id}) in ${keyFilePath(database)}\n`,
      stderr: '',
    })
    const again = await runCommand(env)
    expect(again.stdout).toMatch(/^rewrapped 0 data keys /)

    const rotated = openSqliteKeyStore(keyFilePath(database), { master: NEW })
    const key = (await rotated.keyById('demo', envelopeKeyId(envelope)!))!
    expect(decryptValue(key, envelope, 'demo/traits')).toEqual({ email: 'ada@example.com' })
    await rotated.close()

    const missing = await runCommand({ DATABASE_URL: `sqlite:${database}`, PRECIS_MASTER_KEY: newText })
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toBe(
      'rotate-master-key: PRECIS_PREVIOUS_MASTER_KEY is not set: generate one with `openssl rand -base64 32`\n',
    )
  }, 120_000)

  const failures: [string, () => Record<string, string>, RegExp][] = [
    [
      'a master key that is not 32 bytes',
      () => ({ PRECIS_MASTER_KEY: 'short', PRECIS_PREVIOUS_MASTER_KEY: oldText }),
      /PRECIS_MASTER_KEY must be 32 bytes as base64/,
    ],
    [
      'the same key twice',
      () => ({ PRECIS_MASTER_KEY: newText, PRECIS_PREVIOUS_MASTER_KEY: NEW.key.toString('hex') }),
      /are the same key: set PRECIS_MASTER_KEY to the new key$/,
    ],
    [
      'no key file beside the database',
      () => ({
        PRECIS_MASTER_KEY: newText,
        PRECIS_PREVIOUS_MASTER_KEY: oldText,
        DATABASE_URL: 'sqlite:/nowhere/x.db',
      }),
      /no key file at \/nowhere\/x\.keys\.db: check DATABASE_URL/,
    ],
    [
      'a DATABASE_URL of another kind',
      () => ({ PRECIS_MASTER_KEY: newText, PRECIS_PREVIOUS_MASTER_KEY: oldText, DATABASE_URL: 'mysql://x' }),
      /invalid environment: - DATABASE_URL: must be sqlite:<path> or postgres:/,
    ],
    [
      'keys wrapped by a master that is not given',
      () => ({ PRECIS_MASTER_KEY: newText, PRECIS_PREVIOUS_MASTER_KEY: Buffer.alloc(32, 9).toString('hex') }),
      new RegExp(`wrapped by master ${OLD.id}.*: set PRECIS_PREVIOUS_MASTER_KEY to that master key$`),
    ],
  ]
  it.each(failures)('one line saying what to do: %s', async (_, env, expected) => {
    const store = openSqliteKeyStore(keyFilePath(database), { master: OLD })
    await store.keyFor('demo', 's1')
    await store.close()
    const line = await rotateMasterKey({ DATABASE_URL: `sqlite:${database}`, ...env() }).then(
      () => 'no failure',
      failureLine,
    )
    expect(line).toMatch(/^rotate-master-key: /)
    expect(line).not.toContain('\n')
    expect(line).toMatch(expected)
    expect(line).not.toContain('nothing was lost')
  })
})
