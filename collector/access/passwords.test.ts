import { describe, expect, it } from 'vitest'
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts'

const CHEAP = { N: 2 ** 10, r: 8, p: 1 }

describe('passwords', () => {
  it('verifies the password it hashed, and no other; each hash has its own salt', async () => {
    const hash = await hashPassword('correct horse battery', CHEAP)
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w+/=]+\$[\w+/=]+$/)
    expect(await verifyPassword('correct horse battery', hash)).toBe(true)
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false)
    expect(await hashPassword('correct horse battery', CHEAP)).not.toBe(hash)
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false)
  })

  it('the default cost verifies too (its parameters travel in the hash)', async () => {
    const hash = await hashPassword('another long password')
    expect(hash.startsWith('scrypt$32768$8$1$')).toBe(true)
    expect(await verifyPassword('another long password', hash)).toBe(true)
  })

  it('asks for length, not composition', () => {
    expect(passwordProblem('short')).toBe('password: must be at least 12 characters')
    expect(passwordProblem('x'.repeat(201))).toBe('password: must be at most 200 characters')
    expect(passwordProblem(undefined)).toBe('password: is required')
    expect(passwordProblem('twelve chars')).toBeUndefined()
  })
})
