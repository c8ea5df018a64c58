// The Node entry: reads the environment, wires the real parts, serves. No logic lives here.

import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { Server } from 'node:http'
import { resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { setupLink } from './access/setup.ts'
import { createApp } from './app.ts'
import { createAudienceWorker } from './audiences/worker.ts'
import { createLiveConfig, pollConfigs } from './config/live.ts'
import { seedConfigs } from './config/seed.ts'
import { ConfigError, readConfigFile } from './config/site-config.ts'
import { createSmtpSender } from './destinations/email/smtp.ts'
import { httpSend } from './destinations/send.ts'
import { createDeliveryWorker, deliverySites, leaseFor, runDeliveries } from './destinations/worker.ts'
import { parseEnv, redactUrl, sqlitePath } from './env.ts'
import { ledgerKeysFrom, storeKeysFrom } from './env-keys.ts'
import { identitySecretsFrom } from './identity/verification.ts'
import { scheduleRetention } from './jobs/retention.ts'
import { composeEmail } from './journeys/email.ts'
import { createJourneyWorker } from './journeys/worker.ts'
import { devMasterPath } from './privacy/dev-master.ts'
import { CHECK_INTERVAL_MS, FIXED_LIMITS, limitConnections } from './server-limits.ts'
import { fatalLine, type StartContext } from './startup-errors.ts'
import { openStore } from './store/open.ts'

const root = resolve(import.meta.dirname, '..')

/** Set once the environment is read: what a start-up failure is explained with. */
let context: StartContext | undefined

/** Ends the process with one line when the failure is the operator's to fix; otherwise rethrows. */
const fail = (err: unknown) => {
  const known =
    err instanceof ConfigError || (err instanceof Error && err.message.startsWith('invalid environment'))
      ? err.message
      : context && fatalLine(err, context)
  if (!known) throw err
  console.error(known)
  process.exit(1)
}

const main = async () => {
  const env = parseEnv(process.env)
  context = { databaseUrl: env.DATABASE_URL, port: env.PORT, host: env.HOST }
  // The default file may be absent once the database holds the sites; a file named must be there.
  const file =
    process.env.PRECIS_CONFIG || existsSync(env.PRECIS_CONFIG) ? readConfigFile(env.PRECIS_CONFIG) : undefined
  const keys = storeKeysFrom(env)
  const { master } = keys
  const ledgerKeys = ledgerKeysFrom(env)
  const store = await openStore(env.DATABASE_URL, keys, {
    resolverCacheBytes: env.PRECIS_RESOLVER_CACHE_MB && env.PRECIS_RESOLVER_CACHE_MB * 2 ** 20,
    reportsSyncMs: env.PRECIS_REPORTS_SYNC_MS,
    log: console.log,
  })
  const live = createLiveConfig(await seedConfigs(store, file, Date.now(), console.log), console.log)
  // A site added later gets its secret from the same environment (in place: the routes hold it).
  const identitySecrets: Record<string, string> = {}
  const readSecrets = () =>
    Object.assign(
      identitySecrets,
      identitySecretsFrom(
        process.env,
        live.current().sites.map((s) => s.id),
      ),
    )
  readSecrets()
  live.subscribe(readSecrets)
  const polling = pollConfigs(
    store,
    live,
    env.PRECIS_CONFIG_POLL_MS,
    { setInterval, clearInterval },
    console.log,
  )
  if (!master)
    console.log(
      `no PRECIS_MASTER_KEY: personal values are sealed with the development key in ${devMasterPath(sqlitePath(env.DATABASE_URL))}; set PRECIS_MASTER_KEY in production (docs/privacy-keys.md)`,
    )
  // Filled once the port is known (PORT=0 picks one); never taken from a request's Host header.
  const selfOrigins: string[] = env.PRECIS_PUBLIC_URL ? [new URL(env.PRECIS_PUBLIC_URL).origin] : []
  const app = createApp({
    store,
    clock: { now: Date.now },
    config: {
      sites: live,
      adminToken: env.PRECIS_ADMIN_TOKEN,
      identitySecrets,
      ledgerKeys,
      selfOrigins,
      ...(env.PRECIS_REPORTS_EXACT_VISITS === undefined
        ? {}
        : { reportsExactVisits: env.PRECIS_REPORTS_EXACT_VISITS }),
      ...(env.PRECIS_REPORTS_MAX_ROWS === undefined ? {} : { reportsMaxRows: env.PRECIS_REPORTS_MAX_ROWS }),
      allowPrivateDestinations: env.PRECIS_ALLOW_PRIVATE_DESTINATIONS,
      bundleDir: resolve(root, 'dist'),
      demoRoot: resolve(root, 'demo-site'),
    },
  })
  const retention = scheduleRetention(
    store,
    live.current,
    ledgerKeys.current,
    { now: Date.now, setInterval: (fn, ms) => setInterval(fn, ms).unref() },
    console.log,
  )
  // Events of sites with a destination enter the outbox from their insert on (destinations/).
  const syncDeliverySites = () =>
    store
      .setDeliverySites(deliverySites(live.current(), live.version))
      .catch((err) => console.error(`destinations: ${err}`))
  await syncDeliverySites()
  live.subscribe(() => void syncDeliverySites())
  const deliveries = runDeliveries(
    createDeliveryWorker({
      store,
      sites: live.current,
      versionOf: live.version,
      send: httpSend({
        allowPrivate: env.PRECIS_ALLOW_PRIVATE_DESTINATIONS,
        timeoutMs: env.PRECIS_DELIVERY_TIMEOUT_MS,
      }),
      leaseMs: leaseFor(env.PRECIS_DELIVERY_TIMEOUT_MS),
      now: Date.now,
      random: Math.random,
      log: console.log,
      // Journeys' mails: composed when sent, unsubscribe links to this collector.
      email: {
        compose: composeEmail({
          store,
          sites: live.current,
          publicUrl: () => selfOrigins[0] ?? `http://localhost:${env.PORT}`,
          now: Date.now,
        }),
        send: createSmtpSender({
          allowPrivate: env.PRECIS_ALLOW_PRIVATE_DESTINATIONS,
          timeoutMs: env.PRECIS_DELIVERY_TIMEOUT_MS,
        }),
      },
      followers: [
        createJourneyWorker({ store, sites: live.current, now: Date.now }),
        createAudienceWorker({ store, sites: live.current, now: Date.now }),
      ],
    }),
    env.PRECIS_DELIVERY_POLL_MS,
    {
      setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    },
    console.log,
  )
  const server = serve(
    {
      fetch: app.fetch,
      port: env.PORT,
      hostname: env.HOST,
      serverOptions: { connectionsCheckingInterval: CHECK_INTERVAL_MS },
    },
    (info) => {
      const url = `http://localhost:${info.port}`
      if (!env.PRECIS_PUBLIC_URL) selfOrigins.push(url, `http://127.0.0.1:${info.port}`)
      // Tests and scripts read this line to find the port when PORT=0.
      console.log(
        `precis collector listening on ${url} (demo: ${url}/demo/, database: ${redactUrl(env.DATABASE_URL)})`,
      )
      void setupLink(
        store,
        env.PRECIS_PUBLIC_URL ? new URL(env.PRECIS_PUBLIC_URL).origin : url,
        Date.now(),
        (n) => randomBytes(n),
      ).then((line) => line && console.log(line), fail)
    },
  )
  server.on('error', fail)
  limitConnections(server as Server, {
    ...FIXED_LIMITS,
    requestTimeoutMs: env.PRECIS_REQUEST_TIMEOUT_MS,
    perAddress: env.PRECIS_MAX_CONNECTIONS_PER_ADDRESS,
  })
  // Graceful stop: no new connections, in-flight requests finish, idle keep-alive connections
  // close at once, and pending writes are committed before the process exits.
  const stop = () => {
    clearInterval(retention as NodeJS.Timeout)
    polling.stop()
    server.close(() => {
      void deliveries
        .stop()
        .then(() => store.close())
        .then(() => process.exit(0))
    })
    // A keep-alive connection turns idle when its last request ends: close those as they do,
    // rather than waiting out the keep-alive timeout.
    if ('closeIdleConnections' in server) {
      server.closeIdleConnections()
      setInterval(() => server.closeIdleConnections(), 50).unref()
    }
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

try {
  await main()
} catch (err) {
  fail(err)
}
