import { isClickId } from '../rules/click-ids.ts'
import type { Properties } from './types.ts'

const UTM: Record<string, string> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'name',
  utm_term: 'term',
  utm_content: 'content',
  utm_id: 'id',
}

/**
 * The campaign of a landing URL in Segment's `context.campaign` shape (utm_campaign is `name`),
 * plus any click ids (sdk/rules/click-ids.ts); undefined when the URL carries none. Callers give
 * a URL already without click ids when they may not be kept.
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
    const name = UTM[key] ?? (isClickId(key) ? key : undefined)
    if (name && value) campaign[name] = value.slice(0, 200)
  }
  return Object.keys(campaign).length ? campaign : undefined
}
