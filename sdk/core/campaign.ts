import type { Properties } from './types.ts'

const UTM: Record<string, string> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'name',
  utm_term: 'term',
  utm_content: 'content',
  utm_id: 'id',
}

/** Ad platforms' click ids, kept under their own names. */
export const CLICK_IDS = [
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'fbclid',
  'msclkid',
  'ttclid',
  'twclid',
  'li_fat_id',
  'yclid',
  'epik',
  'rdt_cid',
  'sccid',
] as const

/**
 * The campaign of a landing URL in Segment's `context.campaign` shape (utm_campaign is `name`),
 * plus any click ids; undefined when the URL carries none.
 */
export const campaignFrom = (url: string): Properties | undefined => {
  let params: URLSearchParams
  try {
    params = new URL(url).searchParams
  } catch {
    return undefined
  }
  const campaign: Record<string, string> = {}
  for (const [key, value] of params) {
    const name = UTM[key] ?? ((CLICK_IDS as readonly string[]).includes(key) ? key : undefined)
    if (name && value) campaign[name] = value.slice(0, 200)
  }
  return Object.keys(campaign).length ? campaign : undefined
}
