import type { Sites } from '../config/sites.ts'
import type { IdentityService } from '../identity/service.ts'
import type { Store } from '../store/types.ts'

/** What the routes that read people's data are given. */
export interface PeopleRouteDeps {
  store: Store
  sites: Sites
  identity: IdentityService
  now: () => number
}
