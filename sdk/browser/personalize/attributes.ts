/** The visitor's attributes for segment conditions, from this page and what identify() said. */
export const browserAttributes = (
  win: Window,
  traits: Record<string, unknown>,
  user: { anonymousId: string | null; userId: string | null },
  now: number,
) => {
  const { location: loc, document: doc, navigator: nav } = win
  const params = new URLSearchParams(loc.search)
  const campaign: Record<string, string> = {}
  for (const [key, param] of [
    ['source', 'utm_source'],
    ['medium', 'utm_medium'],
    ['name', 'utm_campaign'],
    ['term', 'utm_term'],
    ['content', 'utm_content'],
  ]) {
    const value = params.get(param!)
    if (value) campaign[key!] = value
  }
  let referrer = ''
  try {
    referrer = doc.referrer ? new URL(doc.referrer).hostname : ''
  } catch {}
  const width = win.innerWidth
  const coarse = win.matchMedia?.('(pointer: coarse)').matches
  const date = new Date(now)
  return {
    traits,
    ...(user.userId ? { userId: user.userId } : {}),
    ...(user.anonymousId ? { anonymousId: user.anonymousId } : {}),
    page: { path: loc.pathname, url: loc.href, search: loc.search, title: doc.title, referrer: doc.referrer },
    referrer,
    campaign,
    device: { type: width < 768 ? 'mobile' : coarse && width < 1200 ? 'tablet' : 'desktop' },
    language: nav.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    hour: date.getHours(),
    weekday: date.getDay(),
  }
}
