// How long a connection may take and how many one address may hold: a client that sends its
// headers or body slowly, or opens connection after connection, cannot hold the collector.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export interface ConnectionLimits {
  /** The whole request, body included, must arrive within this (ms). */
  requestTimeoutMs: number
  /** The headers must arrive within this (ms). */
  headersTimeoutMs: number
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveMs: number
  /** Concurrent connections one address may hold; more are closed at once. */
  perAddress: number
}

/** The limits that are not configurable (the others come from the environment: env.ts). */
export const FIXED_LIMITS = { headersTimeoutMs: 10_000, keepAliveMs: 5_000 } as const

/** How often Node checks the request and header timeouts (its default, 30 s, would double them). */
export const CHECK_INTERVAL_MS = 1_000

/** Applies the limits to a Node HTTP server; returns how many connections each address holds. */
export const limitConnections = (server: Server, limits: ConnectionLimits) => {
  server.requestTimeout = limits.requestTimeoutMs
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs)
  server.keepAliveTimeout = limits.keepAliveMs
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const count = (open.get(address) ?? 0) + 1
    if (count > limits.perAddress) {
      socket.destroy()
      return
    }
    open.set(address, count)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left <= 0) open.delete(address)
      else open.set(address, left)
    })
  })
  return open
}
