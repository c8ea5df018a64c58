// Pure: a profile's stored events as the attributes and history the browser's segment engine
// reads, so one rule means the same thing in the browser and in the collector.
import { type HistoryEntry, pickProperties } from '../../sdk/rules/segments.ts'
import type { HistoryRow, SituationRow } from './types.ts'

const PAGE = ['path', 'url', 'title', 'referrer', 'search'] as const
const CAMPAIGN = ['source', 'medium', 'name', 'term', 'content'] as const
const GEO = ['country', 'region'] as const

type Dict = Record<string, unknown>

const dict = (value: unknown): Dict | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : undefined

/** Stored JSON text as an object; anything else (null, a malformed or non-object body) as undefined. */
export const parseObject = (json: string | null | undefined): Dict | undefined => {
  if (!json) return undefined
  try {
    return dict(JSON.parse(json))
  } catch {
    return undefined
  }
}

/** The string fields among `keys`; other types are left out. */
const strings = (from: Dict | undefined, keys: readonly string[]) => {
  const out: Record<string, string> = {}
  for (const k of keys) {
    const v = from?.[k]
    if (typeof v === 'string') out[k] = v
  }
  return out
}

const nonEmpty = (o: Record<string, string>) => (Object.keys(o).length ? o : undefined)

/** ua-parser-js's device type (stored by enrichment) as the three the rules know; desktop by default. */
export const deviceType = (type: unknown): 'mobile' | 'tablet' | 'desktop' =>
  type === 'mobile' || type === 'tablet' ? type : 'desktop'

export interface AttributeInput {
  traits: Record<string, unknown>
  /** The profile's userId (its `user` identifier), if it has one. */
  userId?: string | undefined
  /** The latest usable event, preferably a browser's: where the person is and came from. */
  situation?: SituationRow | undefined
  /** Evaluation time (epoch ms): hour and weekday are read from it, in UTC. */
  now: number
}

/**
 * The attributes a rule sees: `{ traits, userId, anonymousId, page, campaign, device, language,
 * geo, hour, weekday }`. Fields with nothing behind them are left out (`campaign` without UTM,
 * `geo` where enrichment stored none), as the browser leaves them out; `page` and `device` are
 * always there.
 */
export const buildAttributes = ({ traits, userId, situation, now }: AttributeInput): Dict => {
  const context = parseObject(situation?.context) ?? {}
  // A page view's own properties describe its page best; any other event has context.page.
  const properties = situation?.type === 'page' ? parseObject(situation.properties) : undefined
  const date = new Date(now)
  const attributes: Dict = { traits }
  const user = userId ?? situation?.userId ?? undefined
  if (user) attributes.userId = user
  if (situation?.anonymousId) attributes.anonymousId = situation.anonymousId
  attributes.page = { ...strings(dict(context.page), PAGE), ...strings(properties, PAGE) }
  const campaign = nonEmpty(strings(dict(context.campaign), CAMPAIGN))
  if (campaign) attributes.campaign = campaign
  attributes.device = { type: deviceType(dict(context.device)?.type) }
  if (typeof context.locale === 'string' && context.locale) attributes.language = context.locale
  const geo = nonEmpty(strings(dict(context.location), GEO))
  if (geo) attributes.geo = geo
  attributes.hour = date.getUTCHours()
  attributes.weekday = date.getUTCDay()
  return attributes
}

/**
 * One stored event as the browser remembers it: `page` for page views, else the event's name, and
 * only the whitelisted properties (`historyProperties`), made small as `pickProperties` makes them.
 */
export const historyEntry = (row: HistoryRow, keys: readonly string[]): HistoryEntry => {
  const entry: HistoryEntry = { e: row.type === 'page' ? 'page' : (row.name ?? ''), t: row.timestamp }
  if (keys.length === 0 || !row.properties) return entry
  const p = pickProperties(parseObject(row.properties), keys)
  if (Object.keys(p).length) entry.p = p
  return entry
}
