// @ts-check
// The SQLite writer. Plain JavaScript so it runs as a worker thread under any loader (Node, tsx,
// vitest) without compiling. Off the main thread, fsync and page writes never stall HTTP parsing.
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

/** Columns per row. Rows travel flattened into one array: cheaper to copy between threads. */
export const COLUMNS = 9

/** Column order of the flattened rows; see flatten() in sqlite.ts. */
export const INSERT_SQL = `INSERT INTO events
  (site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, message_id) DO NOTHING`

/** @typedef {unknown[]} Rows Flattened: COLUMNS values per row. */
/** @typedef {{ inserted: number, duplicates: number } | { error: string }} WriteResult */

/** @param {import('better-sqlite3').Database} db */
export const configure = (db) => {
  db.pragma('journal_mode = WAL')
  // FULL: an acknowledged batch survives power loss, not only a crash.
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  // Deleted rows are overwritten with zeros, not left in free pages: erasure leaves nothing to read.
  db.pragma('secure_delete = ON')
}

/**
 * Group commit: batches handed over in the same event-loop turn share one transaction and one
 * fsync. Each batch is a SAVEPOINT inside it (better-sqlite3 nests transactions that way), so a
 * failing batch rolls back alone. `done` is called only after the commit: acknowledgements are
 * durable.
 * @param {import('better-sqlite3').Database} db
 */
export const createGroupWriter = (db) => {
  const insert = db.prepare(INSERT_SQL)
  const insertAll = db.transaction((/** @type {Rows} */ f) => {
    let inserted = 0
    for (let i = 0; i < f.length; i += COLUMNS)
      inserted += insert.run(
        f[i],
        f[i + 1],
        f[i + 2],
        f[i + 3],
        f[i + 4],
        f[i + 5],
        f[i + 6],
        f[i + 7],
        f[i + 8],
      ).changes
    return { inserted, duplicates: f.length / COLUMNS - inserted }
  })
  /** @type {{ rows: Rows, done: (result: WriteResult) => void }[]} */
  let jobs = []
  const commit = () => {
    const group = jobs
    jobs = []
    /** @type {WriteResult[]} */
    const results = []
    try {
      db.transaction(() => {
        for (const job of group) {
          try {
            results.push(insertAll(job.rows))
          } catch (err) {
            results.push({ error: String(/** @type {Error} */ (err).message ?? err) })
          }
        }
      })()
    } catch (err) {
      // The commit itself failed: nothing of the group is stored.
      const error = String(/** @type {Error} */ (err).message ?? err)
      for (const job of group) job.done({ error })
      return
    }
    for (const [i, job] of group.entries()) job.done(/** @type {WriteResult} */ (results[i]))
  }
  return {
    /** @param {Rows} rows @param {(result: WriteResult) => void} done */
    write(rows, done) {
      if (jobs.length === 0) setImmediate(commit)
      jobs.push({ rows, done })
    },
  }
}

if (!isMainThread && workerData?.precisSqliteWriter && parentPort) {
  const port = parentPort
  const db = new Database(workerData.path)
  configure(db)
  const writer = createGroupWriter(db)
  port.on('message', (/** @type {{ id: number, rows?: Rows, close?: boolean }} */ msg) => {
    if (msg.close) {
      db.close()
      port.close()
      return
    }
    writer.write(msg.rows ?? [], (result) => port.postMessage({ id: msg.id, result }))
  })
}
