import { z } from 'zod'

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Unset: Node's default (all interfaces, IPv6 and IPv4 where available). */
  HOST: z.string().optional(),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/precis.db')
    .refine((url) => /^(sqlite:|postgres(ql)?:\/\/)/.test(url), {
      message: 'must be sqlite:<path> or postgres://user:password@host:port/database',
    }),
  /** The config file that seeds the database (config/seed.ts); unset and missing is fine once seeded. */
  PRECIS_CONFIG: z.string().default('./precis.config.json'),
  /** How often a collector reads the site configs others saved, in ms (config/live.ts). */
  PRECIS_CONFIG_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /**
   * Where browsers reach the collector (e.g. https://collect.example.com behind a proxy): pages it
   * serves itself are allowed from this origin. Unset: http://localhost and 127.0.0.1 on PORT.
   */
  PRECIS_PUBLIC_URL: z
    .string()
    .url()
    .refine((url) => /^https?:\/\//.test(url), { message: 'must be an http(s) URL' })
    .optional(),
  PRECIS_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A request, body included, must arrive within this many ms (slow-body attacks). */
  PRECIS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** Concurrent connections one client address may hold (behind a proxy: at least its pool). */
  PRECIS_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(256),
  /**
   * Memory the SQLite identity resolver may keep for its cache of people, in MB: it stays this size
   * however many people arrive. Unset: 64 (store/sqlite/resolver.ts).
   */
  PRECIS_RESOLVER_CACHE_MB: z.coerce.number().int().min(1).max(65_536).optional(),
  /** Up to this many visits an unfiltered overview counts exactly; above, hours and sketches (reports/hours.ts). */
  PRECIS_REPORTS_EXACT_VISITS: z.coerce.number().int().min(0).max(1_000_000_000).optional(),
  /** The most report rows (events of a period) a report reads at once; more are refused with report_too_large. */
  PRECIS_REPORTS_MAX_ROWS: z.coerce.number().int().min(1000).max(1_000_000_000).optional(),
  /** How often report tables catch up with ingest in the background (ms); a report catches up before it reads anyway. */
  PRECIS_REPORTS_SYNC_MS: z.coerce.number().int().min(1000).max(86_400_000).optional(),
  /**
   * `true` lets destinations reach loopback, private and link-local addresses and plain http
   * (local receivers, tests); otherwise only https to public addresses (destinations/address-guard.ts).
   */
  PRECIS_ALLOW_PRIVATE_DESTINATIONS: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  /** How long a destination may take to answer one request (ms); slower is a failure tried again. */
  PRECIS_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** How often an idle collector looks for deliveries due (ms); after a busy pass it looks again at once. */
  PRECIS_DELIVERY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** Wraps the data keys that seal personal values (privacy/): 32 bytes, base64 or hex. */
  PRECIS_MASTER_KEY: z.string().optional(),
  /** The master being retired during a rotation (npm run rotate-master-key). */
  PRECIS_PREVIOUS_MASTER_KEY: z.string().optional(),
  /** Links the consent ledger (docs/consent-ledger.md): 32 bytes, base64 or hex. */
  PRECIS_LEDGER_KEY: z.string().optional(),
  /** Ledger keys retired by a rotation, comma-separated: the records they linked still verify. */
  PRECIS_PREVIOUS_LEDGER_KEYS: z.string().optional(),
})

export type Env = z.infer<typeof envSchema>

export const parseEnv = (env: Record<string, string | undefined>): Env => {
  // An empty variable means unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const result = envSchema.safeParse(present)
  if (result.success) return result.data
  const lines = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`)
  throw new Error(`invalid environment:\n${lines.join('\n')}`)
}

export const sqlitePath = (url: string) => url.slice('sqlite:'.length)

export const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url)

/** The URL fit for a log line: a password in it is masked. */
export const redactUrl = (url: string) => url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/, '$1:***@')
