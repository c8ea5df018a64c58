// Audiences, pure: a profile's memberships as they are stored against the segments it is in now,
// as changes to write, each with its notices. An entry is announced to the audience's destinations
// the person's newest consent stamp allows (never a marketing one under GPC); an exit goes where
// the entry went, whatever the consent now, so a destination stops targeting someone who left or
// withdrew. A notice's id is the transition's (site, audience, profile, version): two collectors
// announcing the same change make one.
import { createHash } from 'node:crypto'
import type { Destination } from '../destinations/config.ts'
import { type ConsentStamp, deliveryRefusal } from '../destinations/consent-gate.ts'
import type { NewNotice } from '../destinations/types.ts'
import type { Audience } from './config.ts'
import type { Membership, MembershipChange } from './types.ts'

export const ENTERED = 'Audience Entered'
export const EXITED = 'Audience Exited'

export interface Person {
  site: string
  profile: string
  /** The collector's pseudonyms of the person's ids, as their events carried them. */
  anonymousId: string | null
  userId: string | null
}

export const noticeId = (site: string, audience: string, profile: string, version: number) =>
  `audience-${createHash('sha256').update(`${site}\n${audience}\n${profile}\n${version}`).digest('hex').slice(0, 32)}`

const noticeOf = (
  person: Person,
  audience: Audience,
  entered: boolean,
  version: number,
  destination: string,
  now: number,
): NewNotice => {
  const messageId = noticeId(person.site, audience.key, person.profile, version)
  return {
    site: person.site,
    destination,
    messageId,
    event: {
      type: 'track',
      event: entered ? ENTERED : EXITED,
      messageId,
      timestamp: new Date(now).toISOString(),
      ...(person.anonymousId === null ? {} : { anonymousId: person.anonymousId }),
      ...(person.userId === null ? {} : { userId: person.userId }),
      properties: { audience_key: audience.key, ...(audience.name ? { audience_name: audience.name } : {}) },
    },
  }
}

/**
 * The changes that make the stored memberships match `inSegments` (the segments the profile is in
 * now), for the enabled audiences.
 */
export const audienceChanges = (
  person: Person,
  audiences: readonly Audience[],
  destinations: readonly Destination[],
  inSegments: ReadonlySet<string>,
  stored: readonly Membership[],
  stamp: ConsentStamp | undefined,
  now: number,
): (MembershipChange & { notices: NewNotice[] })[] => {
  const changes: (MembershipChange & { notices: NewNotice[] })[] = []
  for (const audience of audiences) {
    if (!audience.enabled) continue
    const before = stored.find((m) => m.audience === audience.key)
    const was = before?.member ?? false
    const is = inSegments.has(audience.key)
    if (was === is) continue
    const fromVersion = before?.version ?? 0
    const announced = is
      ? audience.destinations.filter((key) => {
          const d = destinations.find((x) => x.key === key)
          return d?.enabled === true && deliveryRefusal(stamp, d.purposes) === undefined
        })
      : (before?.announced ?? [])
    changes.push({
      audience: audience.key,
      member: is,
      fromVersion,
      announced: is ? announced : [],
      notices: announced.map((d) => noticeOf(person, audience, is, fromVersion + 1, d, now)),
    })
  }
  return changes
}
