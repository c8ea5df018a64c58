import { describe, expect, it } from 'vitest'
import { fatalLine } from './startup-errors.ts'

const pg = { databaseUrl: 'postgres://app:secret@db.internal:6543/precis', port: 8787 }
const error = (code: string, syscall?: string) => Object.assign(new Error(code), { code, syscall })

describe('fatalLine', () => {
  it('names the PostgreSQL problem without the password', () => {
    expect(fatalLine(error('28P01'), pg)).toBe(
      'PostgreSQL at db.internal:6543 refused the password of user "app": fix the user and password in DATABASE_URL',
    )
    expect(fatalLine(error('ENOTFOUND', 'getaddrinfo'), pg)).toBe(
      'cannot find the PostgreSQL host "db.internal": fix the host in DATABASE_URL',
    )
    expect(fatalLine(error('CONNECT_TIMEOUT'), pg)).toContain('PostgreSQL at db.internal:6543 did not answer')
    for (const code of ['28P01', 'ENOTFOUND', 'CONNECT_TIMEOUT', '3D000', '28000', 'ECONNREFUSED'])
      expect(fatalLine(error(code), pg)).not.toContain('secret')
  })

  it('names the address it could not listen on', () => {
    const at = { databaseUrl: 'sqlite:data/precis.db', port: 80, host: '10.0.0.9' }
    expect(fatalLine(error('EACCES', 'listen'), at)).toBe(
      'no permission to listen on 10.0.0.9:80: use a port above 1023 (PORT) and a reverse proxy for 80 and 443',
    )
    expect(fatalLine(error('EADDRNOTAVAIL', 'listen'), at)).toBe(
      'HOST 10.0.0.9 is not an address of this machine: fix HOST or leave it unset',
    )
  })

  it('leaves errors it does not know to their stack trace', () => {
    expect(fatalLine(new TypeError('x is undefined'), pg)).toBeUndefined()
    expect(fatalLine(error('ECONNRESET', 'listen'), pg)).toBeUndefined()
    expect(fatalLine(error('42P01'), pg)).toBeUndefined()
    expect(fatalLine(error('ECONNREFUSED'), { databaseUrl: 'sqlite:x.db', port: 1 })).toBeUndefined()
    expect(fatalLine(undefined, pg)).toBeUndefined()
  })
})
