// Browser chaos: tabs of one visitor on the demo shop in real Chromium make numbered events while
// tabs are reloaded, navigated, closed and opened, the network goes offline, the collector answers
// 500, 503 and 429, loses answers after storing, resets connections, and is SIGKILLed and
// restarted. Afterwards every event made is stored, exactly once, and nothing waits in the outbox.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from '@playwright/test'
import Database from 'better-sqlite3'
import { launch } from '../support/chromium.ts'
import { demoSite } from '../support/collector-process.ts'
import { prng } from '../support/prng.ts'
import { type Fault, startChaosProxy } from './chaos-proxy.ts'
import type { Drill, DrillMode } from './drill.ts'
import { freePort, supervisedCollector } from './kill-harness.ts'

const FAULTS = ['http500', 'http503', 'http429', 'lost', 'reset'] as const
const ACTIONS = ['reload', 'navigate', 'close', 'offline', 'kill', 'calm', ...FAULTS] as const
type Action = (typeof ACTIONS)[number]
const isFault = (a: Action): a is (typeof FAULTS)[number] => (FAULTS as readonly string[]).includes(a)

/** Events made in all; tabs open at once; rounds, each action at least `each` times. DRILL_EVENTS overrides. */
const PLAN: Record<DrillMode, { events: number; tabs: number; rounds: number; each: number; drain: number }> =
  {
    short: { events: 1000, tabs: 2, rounds: 12, each: 1, drain: 60_000 },
    full: { events: 10_000, tabs: 3, rounds: 90, each: 4, drain: 120_000 },
  }
const PAGES = ['index.html', 'outdoor.html', 'kitchen.html', 'product.html', 'cart.html', 'help.html']
/** Share of batches a fault window hits; the rest pass, so failures and successes interleave. */
const FAULT_SHARE = 0.7
/** How long a fault or offline spell lasts (ms): min plus up to spread, beyond the 2 s flush interval. */
const WINDOW = { min: 1500, spread: 3000 }
const EVENT = 'Chaos'
/** Events made by a tab in the task that leaves it, offline. */
const LEFT_EVENTS = 20

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

// Page code as strings: tsx would add helpers to functions passed to the page that it lacks.
const READY = `typeof window.precis === 'object' && typeof window.precis.flush === 'function' && !('q' in window.precis)`
const make = (from: number, to: number) =>
  `(function () { for (var i = ${from}; i < ${to}; i++) window.precis.track('${EVENT}', { i: i }); })()`
const LEFT = `new Promise(function (done) {
  var open = indexedDB.open('precis');
  open.onsuccess = function () {
    var db = open.result;
    if (!db.objectStoreNames.contains('outbox')) { db.close(); return done(0); }
    var all = db.transaction('outbox').objectStore('outbox').count();
    all.onsuccess = function () { db.close(); done(all.result + (localStorage.getItem('precis.outbox') ? 1 : 0)); };
  };
})`

interface Tab {
  page: Page
  /** The SDK has loaded: events may be made. False after a load that failed (offline). */
  ready: boolean
}

/** Stored events of the drill: rows, distinct indexes and their range. */
const readStored = (dbPath: string) => {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    return db
      .prepare(
        `SELECT count(*) AS rows, count(DISTINCT json_extract(payload, '$.properties.i')) AS distinct_,
           min(json_extract(payload, '$.properties.i')) AS low, max(json_extract(payload, '$.properties.i')) AS high
         FROM events WHERE site = 'demo' AND name = ?`,
      )
      .get(EVENT) as { rows: number; distinct_: number; low: number | null; high: number | null }
  } catch {
    return { rows: 0, distinct_: 0, low: null, high: null } // before the first start created the tables
  } finally {
    db.close()
  }
}

/** The rounds' actions: each at least `each` times, the rest drawn at random, in random order. */
const schedule = (rounds: number, each: number, random: () => number) => {
  const list = ACTIONS.flatMap((a) => Array<Action>(each).fill(a))
  while (list.length < rounds) list.push(ACTIONS[Math.floor(random() * ACTIONS.length)]!)
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[list[i], list[j]] = [list[j]!, list[i]!]
  }
  return list
}

export const drill: Drill = {
  name: 'chaos',
  summary:
    'tabs in Chromium make numbered events through reloads, closes, offline, 500/503/429, lost answers, resets and collector kills; every event stored exactly once',
  async run(mode) {
    const plan = PLAN[mode]
    const events = Number(process.env.DRILL_EVENTS ?? plan.events)
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000)
    const random = prng(seed)
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
    const failures: string[] = []
    const errors: string[] = []

    const dir = mkdtempSync(join(tmpdir(), 'precis-drill-chaos-'))
    const port = await freePort()
    // The proxy draws from its own generator: its draws depend on timing, the schedule's must not.
    const proxy = await startChaosProxy(port, prng(seed + 1))
    const config = join(dir, 'precis.config.json')
    writeFileSync(config, JSON.stringify({ sites: [demoSite({ allowedOrigins: [proxy.origin] })] }))
    const dbPath = join(dir, 'precis.db')
    const collector = supervisedCollector({ DATABASE_URL: `sqlite:${dbPath}`, PRECIS_CONFIG: config }, port)
    await collector.start()
    const browser = await launch()
    const counts = { tabs: 0, reloads: 0, offline: 0, leftOffline: 0, kills: 0 }
    try {
      const context: BrowserContext = await browser.newContext()
      const tabs: Tab[] = []
      let offline = false
      /** Loads a page in the tab (`reload`: the one it shows) and waits for the SDK. */
      const open = async (tab: Tab, path: string = pick(PAGES)) => {
        tab.ready = false
        try {
          if (path === 'reload') await tab.page.reload()
          else await tab.page.goto(`${proxy.origin}/demo/${path}`)
          await tab.page.waitForFunction(READY, undefined, { timeout: 30_000 })
          tab.ready = true
        } catch (err) {
          if (!offline) throw err // offline, the page cannot load: it is opened again once online
        }
      }
      const newTab = async () => {
        const page = await context.newPage()
        page.on('pageerror', (e) => errors.push(`page error: ${e.message}`))
        const tab: Tab = { page, ready: false }
        counts.tabs++
        tabs.push(tab)
        await open(tab)
        return tab
      }

      const first = await newTab()
      await first.page.evaluate('window.precis.consent.acceptAll()')
      while (tabs.length < plan.tabs) await newTab()

      let next = 0
      let offlineUntil = 0
      let fault: { kind: Fault; until: number; met: number } | undefined
      const hits = (kind: string) => proxy.outcomes.get(kind) ?? 0
      let restarting: Promise<void> | undefined
      const actions = schedule(plan.rounds, plan.each, random)
      // Rounds go on, calm, while the last fault window waits for a batch; a share of the events is
      // kept back for them.
      for (let round = 0; round < actions.length || fault; round++) {
        const action = actions[round] ?? 'calm'
        // Make this round's events, split among the tabs that can.
        const ready = tabs.filter((t) => t.ready)
        const quota = Math.ceil((events - next) / (Math.max(actions.length - round, 1) + 1))
        if (ready.length > 0 && quota > 0) {
          const cuts = [
            0,
            ...ready
              .slice(1)
              .map(() => Math.floor(random() * quota))
              .sort((a, b) => a - b),
            quota,
          ]
          await Promise.all(ready.map((t, i) => t.page.evaluate(make(next + cuts[i]!, next + cuts[i + 1]!))))
          next += quota
        }
        // The chaos, right after: sends of those events are starting or under way.
        const victim = pick(ready.length > 0 ? ready : tabs)
        switch (action) {
          case 'reload':
            counts.reloads++
            counts.leftOffline += offline ? 1 : 0
            await open(victim, victim.ready ? 'reload' : undefined)
            break
          case 'navigate':
            counts.leftOffline += offline ? 1 : 0
            await open(victim)
            break
          case 'close':
            counts.leftOffline += offline ? 1 : 0
            await victim.page.close()
            tabs.splice(tabs.indexOf(victim), 1)
            await newTab()
            break
          case 'offline':
            counts.offline += offline ? 0 : 1
            offline = true
            offlineUntil = Date.now() + WINDOW.min + random() * WINDOW.spread
            await context.setOffline(true)
            // The first time, and then every other: a tab makes events and is left in the same
            // task (a click that tracks, then leaves the site), their IndexedDB write still running.
            if (victim.ready && (counts.offline === 1 || random() < 0.5)) {
              const extra = Math.min(LEFT_EVENTS, events - next)
              counts.leftOffline++
              victim.ready = false // opened again once online
              await victim.page.evaluate(`${make(next, next + extra)}; location.href = 'about:blank'`)
              next += extra
              await victim.page.waitForURL('about:blank')
            }
            break
          case 'kill':
            await restarting
            counts.kills++
            await collector.kill()
            restarting = sleep(300 + random() * 2000)
              .then(() => collector.start())
              .catch((err: Error) => void failures.push(`the collector did not restart: ${err.message}`))
            break
          case 'calm':
            break
          default:
            if (!isFault(action)) break
            // One fault at a time, each meeting batches: a new one waits for the open one to close.
            if (fault) {
              actions.push(action)
              break
            }
            fault = {
              kind: action,
              until: Date.now() + WINDOW.min + random() * WINDOW.spread,
              met: hits(action),
            }
            proxy.fault(action, FAULT_SHARE)
        }
        // A fault window closes once its time is up and it has met a batch. Tabs backing off may
        // send nothing for a while: the visitor moves on to another page, which sends at once.
        if (fault && Date.now() >= fault.until) {
          if (hits(fault.kind) > fault.met) {
            proxy.fault('none')
            fault = undefined
          } else if (!offline) await open(pick(tabs))
        }
        if (offline && Date.now() >= offlineUntil) {
          offline = false
          await context.setOffline(false)
        }
        for (const tab of tabs) if (!tab.ready && !offline) await open(tab)
        await sleep(200 + random() * 600)
      }

      // Calm: the network and the collector are back; the tabs keep browsing and send what waits.
      proxy.fault('none')
      offline = false
      await context.setOffline(false)
      await restarting
      for (const tab of tabs) if (!tab.ready) await open(tab)
      if (next < events) await tabs[0]!.page.evaluate(make(next, events))
      next = events
      const until = Date.now() + plan.drain
      let stored = readStored(dbPath)
      while (stored.distinct_ < events && Date.now() < until) {
        // A visitor's next page view would send at once; flush() is that, without leaving the page.
        // Not awaited: a flush waits for whichever tab holds the send lock, which may take a while.
        for (const t of tabs) t.page.evaluate('window.precis.flush()').catch(() => {})
        await sleep(1000)
        stored = readStored(dbPath)
      }
      let left = -1
      for (let tries = 0; tries < 20 && left !== 0; tries++) {
        left = (await Promise.race([tabs[0]!.page.evaluate(LEFT), sleep(5000).then(() => -1)])) as number
        if (left !== 0) await sleep(500)
      }
      const dropped = (await Promise.all(
        tabs.map((t) => t.page.evaluate('window.precis.stats().dropped')),
      )) as { overflow: number; expired: number; rejected: number }[]

      if (stored.distinct_ !== events)
        failures.push(
          `${(events - stored.distinct_).toLocaleString('en-US')} of ${events} events never stored`,
        )
      if (stored.rows !== stored.distinct_)
        failures.push(`${stored.rows - stored.distinct_} events stored twice (under a new messageId)`)
      if (stored.distinct_ > 0 && (stored.low !== 0 || stored.high !== events - 1))
        failures.push(`stored indexes run ${stored.low}..${stored.high}, not 0..${events - 1}`)
      if (left !== 0) failures.push(`${left} events still wait in the outbox after the drain`)
      for (const d of dropped)
        if (d.overflow + d.expired + d.rejected > 0)
          failures.push(`a tab dropped events: ${JSON.stringify(d)}`)
      for (const kind of FAULTS) if (hits(kind) === 0) failures.push(`no batch met the ${kind} fault`)
      failures.push(...errors)
      return {
        name: 'chaos',
        figures: {
          'events made': events,
          stored: stored.rows,
          distinct: stored.distinct_,
          tabs: counts.tabs,
          reloads: counts.reloads,
          'offline spells': counts.offline,
          'pages left offline': counts.leftOffline,
          'collector kills': counts.kills,
          'batches stored': hits('stored'),
          'faults met': FAULTS.map((k) => `${k.replace('http', '')} ×${hits(k)}`).join(' '),
          'collector down': hits('down'),
          'duplicates absorbed': proxy.duplicates,
          seed,
        },
        failures,
      }
    } finally {
      await browser.close()
      await collector.stop()
      await proxy.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
