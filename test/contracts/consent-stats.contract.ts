// The consent stats' contract: every Store adapter runs it (sqlite-consent-stats.test.ts,
// postgres-personalization.test.ts), so the dashboard's consent rates mean the same on each.
import { describe, expect, it } from 'vitest'
import type { ConsentFields } from '../../collector/ledger/chain.ts'
import type { Store } from '../../collector/store/types.ts'
import type { Purposes } from '../../consent/core/state.ts'
import { consentFields, TEST_LEDGER_KEY } from './store.contract.ts'

const at = (day: number, time = '10:00') => Date.parse(`2026-11-${day}T${time}:00.000Z`)
const choice = (analytics: boolean, personalization: boolean, marketing: boolean): Purposes => ({
  necessary: true,
  analytics,
  personalization,
  marketing,
})
const ALL = choice(true, true, true)
const NONE = choice(false, false, false)
const record = (
  consentId: string,
  receivedAt: number,
  purposes: Purposes,
  more: Partial<ConsentFields> = {},
) => consentFields({ consentId, receivedAt, purposes, ...more })

/** The window of the first tests: from Nov 15 00:00 to Nov 23 00:00 (UTC). */
const WINDOW = { since: at(15, '00:00'), until: at(23, '00:00') }

/** A store whose stored purposes cells a test can overwrite, as someone editing the database would. */
export interface EditableStore {
  store: Store
  /** Sets the purposes cell of the site `demo`'s records of this consent id to `text`. */
  setPurposes(consentId: string, text: string): Promise<void>
}

export const describeConsentStatsContract = (
  name: string,
  open: () => Promise<Store>,
  openEditable: () => Promise<EditableStore>,
) => {
  describe(`consent stats contract: ${name}`, () => {
    it("counts each consent id once, by its latest record in the window's day and source", async () => {
      const store = await open()
      try {
        for (const r of [
          record('c6', at(12), ALL), // before the window, then changed inside it: counts on the 22nd
          record('c5', at(14, '23:59'), ALL), // only before the window: not counted
          record('c1', at(20, '09:00'), ALL), // accepted, then rejected in the preferences on the 21st
          record('c2', at(20, '09:30'), NONE),
          record('c3', at(20, '11:00'), choice(true, false, false), { gpc: true }),
          record('c7', at(20, '12:00'), ALL, { site: 'other' }), // another site
          record('c1', at(21, '08:00'), NONE, { source: 'preferences' }),
          record('c4', at(21, '13:00'), choice(true, true, false), { gpc: true }), // accept all under GPC
          record('c6', at(22, '07:00'), choice(true, true, false), { source: 'preferences' }),
          record('c9', at(22, '18:00'), ALL),
          record('c8', at(23, '00:00'), ALL), // at `until`: not yet
          record('c2', at(24), ALL), // c2's later change: after `until`, so c2 counts as its reject
        ])
          await store.appendConsent(r, TEST_LEDGER_KEY)

        expect(await store.consentStats('demo', WINDOW)).toEqual([
          // c2 (reject all) and c3 (analytics only, GPC)
          {
            day: '2026-11-20',
            source: 'banner',
            visitors: 2,
            analytics: 1,
            personalization: 0,
            marketing: 0,
            acceptAll: 0,
            rejectAll: 1,
            gpc: 1,
          },
          // c4: custom (marketing off), GPC
          {
            day: '2026-11-21',
            source: 'banner',
            visitors: 1,
            analytics: 1,
            personalization: 1,
            marketing: 0,
            acceptAll: 0,
            rejectAll: 0,
            gpc: 1,
          },
          // c1: its current choice, reject all
          {
            day: '2026-11-21',
            source: 'preferences',
            visitors: 1,
            analytics: 0,
            personalization: 0,
            marketing: 0,
            acceptAll: 0,
            rejectAll: 1,
            gpc: 0,
          },
          // c9: accept all
          {
            day: '2026-11-22',
            source: 'banner',
            visitors: 1,
            analytics: 1,
            personalization: 1,
            marketing: 1,
            acceptAll: 1,
            rejectAll: 0,
            gpc: 0,
          },
          // c6: custom
          {
            day: '2026-11-22',
            source: 'preferences',
            visitors: 1,
            analytics: 1,
            personalization: 1,
            marketing: 0,
            acceptAll: 0,
            rejectAll: 0,
            gpc: 0,
          },
        ])
        // With c2's and c8's later records in view, c2 moves to the 24th as an accept.
        const later = await store.consentStats('demo', { since: at(24, '00:00'), until: at(25, '00:00') })
        expect(later).toEqual([
          expect.objectContaining({ day: '2026-11-24', source: 'banner', visitors: 1, acceptAll: 1 }),
        ])
        expect(await store.consentStats('other', WINDOW)).toEqual([
          expect.objectContaining({ day: '2026-11-20', visitors: 1, acceptAll: 1 }),
        ])
        expect(await store.consentStats('nobody', WINDOW)).toEqual([])
      } finally {
        await store.close()
      }
    })

    it('reads a hand-edited purposes cell as nothing granted, without failing the query', async () => {
      const { store, setPurposes } = await openEditable()
      try {
        await store.appendConsent(record('c1', at(20), ALL), TEST_LEDGER_KEY)
        await store.appendConsent(record('c2', at(20), ALL), TEST_LEDGER_KEY)
        await store.appendConsent(record('c3', at(20), ALL), TEST_LEDGER_KEY)
        await setPurposes('c1', 'not json')
        await setPurposes('c2', '{"analytics":1}')
        expect(await store.consentStats('demo', WINDOW)).toEqual([
          {
            day: '2026-11-20',
            source: 'banner',
            visitors: 3,
            analytics: 1,
            personalization: 1,
            marketing: 1,
            acceptAll: 1,
            rejectAll: 2,
            gpc: 0,
          },
        ])
      } finally {
        await store.close()
      }
    })
  })
}
