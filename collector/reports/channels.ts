// Channels: where a visit came from, in the groups marketers use (after GA4's default channel
// grouping, reduced to seven). Decided from the visit's landing page: its external referrer's host,
// its UTM source and medium, and whether it carried an ad click id. The first rule that matches wins:
//   1. Email         medium email, e-mail, newsletter; or a source naming mail or a newsletter
//   2. Display       medium display, banner, cpm, interstitial, expandable, programmatic
//   3. Paid Search   medium cpc, ppc, paidsearch, paid-search, sem (unless the source is social);
//                    or a click id from a search engine, or with neither referrer nor social source
//                    (gclid and msclkid arrive without a referrer when the browser strips it)
//   4. Social        a social network as referrer or source; or medium social, social-network,
//                    social-media, sm, paid-social (a social ad is still social)
//   5. Organic Search a search engine as referrer or source, or medium organic
//   6. Referral      any other external referrer, medium referral, or any other source
//   7. Direct        none of these: typed, bookmarked, or a referrer the browser withheld
export const CHANNELS = [
  'Email',
  'Display',
  'Paid Search',
  'Social',
  'Organic Search',
  'Referral',
  'Direct',
] as const

export type Channel = (typeof CHANNELS)[number]

export interface ChannelInput {
  referrer: string | null
  source: string | null
  medium: string | null
  clickId: boolean
}

const SEARCH = [
  'google',
  'bing',
  'yahoo',
  'duckduckgo',
  'baidu',
  'yandex',
  'ecosia',
  'sogou',
  'so',
  'naver',
  'qwant',
  'startpage',
  'seznam',
  'daum',
  'search.brave',
]
const SOCIAL = [
  'facebook',
  'fb',
  'm.facebook',
  'l.facebook',
  'instagram',
  'l.instagram',
  'twitter',
  'x',
  't.co',
  'linkedin',
  'lnkd.in',
  'pinterest',
  'reddit',
  'tiktok',
  'youtube',
  'threads',
  'mastodon.social',
  'weibo',
  'wechat',
  'weixin',
  'douyin',
  'xiaohongshu',
  'zhihu',
  'bilibili',
  'vk',
  'snapchat',
]

const EMAIL_MEDIUM = new Set(['email', 'e-mail', 'e_mail', 'newsletter'])
const DISPLAY_MEDIUM = new Set(['display', 'banner', 'cpm', 'interstitial', 'expandable', 'programmatic'])
const PAID_SEARCH_MEDIUM = new Set(['cpc', 'ppc', 'paidsearch', 'paid-search', 'paid_search', 'sem'])
const SOCIAL_MEDIUM = new Set([
  'social',
  'social-network',
  'social-media',
  'sm',
  'paid-social',
  'paid_social',
])

/** A host or a source names one of `names`: `google`, `google.de`, `www.google.co.uk`, `news.google.com`. */
const names = (list: readonly string[], value: string | null) => {
  if (!value) return false
  const v = value.toLowerCase()
  return list.some((n) => v === n || v.startsWith(`${n}.`) || v.includes(`.${n}.`) || v.endsWith(`.${n}`))
}

export const channelOf = ({ referrer, source, medium, clickId }: ChannelInput): Channel => {
  const m = medium?.toLowerCase() ?? null
  const socialSource = names(SOCIAL, source) || names(SOCIAL, referrer)
  const searchSource = names(SEARCH, source) || names(SEARCH, referrer)
  if ((m && EMAIL_MEDIUM.has(m)) || /mail|newsletter/i.test(source ?? '')) return 'Email'
  if (m && DISPLAY_MEDIUM.has(m)) return 'Display'
  if (m && PAID_SEARCH_MEDIUM.has(m) && !socialSource) return 'Paid Search'
  if (clickId && (searchSource || (!referrer && !socialSource))) return 'Paid Search'
  if (socialSource || (m && SOCIAL_MEDIUM.has(m))) return 'Social'
  if (searchSource || m === 'organic') return 'Organic Search'
  if (referrer || m === 'referral' || source) return 'Referral'
  return 'Direct'
}
