import type { SegmentEvent } from '../rules/event-schema.ts'

/** Time and timers, injected so tests drive them (fake timers) and nothing reads globals. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Small synchronous key-value storage (localStorage in browsers, a Map in tests). */
export interface KeyValueStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

export interface SendResult {
  ok: boolean
  /** Worth sending again later (network error, 408, 429, 5xx); otherwise the events are done. */
  retry: boolean
  status?: number
  /** The server's Retry-After, in ms. */
  retryAfter?: number
  /** The collector's error code, for debug output. */
  code?: string
  /** Events of an accepted batch that the collector refused one by one (invalid). */
  rejected?: number
}

/**
 * Sends one batch. Implementations must start the request synchronously when called, because on
 * page unload nothing that waits for a later tick runs.
 */
export interface Transport {
  send(events: readonly OutgoingEvent[]): Promise<SendResult>
  /** False while there is nowhere to send to yet (the site config has not arrived). */
  ready?(): boolean
  /** Bytes a request may still carry and outlive the page (the keepalive budget). */
  room?(): number
}

export type Properties = Record<string, unknown>

/** An event as the SDK sends it: the Segment envelope with the fields the SDK always sets. */
export type OutgoingEvent = SegmentEvent & { messageId: string; timestamp: string; context: Properties }
