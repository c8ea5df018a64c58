// Settings of the chosen site, and of the signed-in person: the consent texts and services, the
// site's settings and keys, a new site (owners), and one's own password and API tokens (everyone).
// Changes are new versions of the site's config, served within seconds without a restart.
import { h } from './dom.js'
import { accountPart } from './settings-account.js'
import { siteVersions } from './settings-common.js'
import { consentPart } from './settings-consent.js'
import { newSitePart } from './settings-new-site.js'
import { sitePart, zones } from './settings-site.js'

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const versions = siteVersions()
  const [consent, site, account] = await Promise.all([
    consentPart(ctx, versions),
    sitePart(ctx, versions),
    accountPart(ctx),
  ])
  if (ctx.signal.aborted) return
  ctx.main.append(h('h2', {}, 'Settings'), zones(), consent, site, newSitePart(ctx), account)
}
