// Which destinations a stored event goes to: consent by construction (the stamp it was made with
// grants every purpose the destination serves; never marketing under GPC), then the destination's
// condition over the Segment event. Pure.
import { evalCondition } from '../../sdk/rules/conditions.ts'
import { isJson } from '../config/resources.ts'
import type { Destination } from './config.ts'
import { type ConsentStamp, deliveryRefusal } from './consent-gate.ts'

type Json = Record<string, unknown>

/** The consent stamp an event carries: Segment's `context.consent`, with `gpc` when the collector saw it. */
export const stampOf = (event: Json): ConsentStamp | undefined => {
  const context = event.context
  return isJson(context) && isJson(context.consent) ? (context.consent as ConsentStamp) : undefined
}

/**
 * The keys of the enabled destinations `event` (a Segment event) may go to. An email destination
 * gets journeys' messages only, never events.
 */
export const destinationsFor = (event: Json, destinations: readonly Destination[]): string[] => {
  const stamp = stampOf(event)
  return destinations
    .filter(
      (d) =>
        d.enabled &&
        d.kind !== 'email' &&
        deliveryRefusal(stamp, d.purposes) === undefined &&
        (d.where === undefined || evalCondition(event, d.where)),
    )
    .map((d) => d.key)
}
