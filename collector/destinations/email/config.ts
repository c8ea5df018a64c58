// An email destination: marketing mails (welcome, abandoned cart, win-back) sent through the site's
// own SMTP server, one person at a time. The SMTP URL holds the server's credentials, so it is a
// secret like a webhook's: written through the admin API, never shown back. Templates may override
// or add to the built-in ones; both languages are required so no one gets a half-translated mail.
import { z } from 'zod'
import { PURPOSES } from '../consent-gate.ts'
import { templateProblem } from './templates.ts'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')

/** Somewhere in it an address `x@y`; no line breaks, which would end a header early. */
const mailbox = z
  .string()
  .min(3)
  .max(300)
  .refine((v) => !/[\r\n]/.test(v), 'must be one line')
  .refine(
    (v) => /[^\s@<>",;]+@[^\s@<>",;]+/.test(v),
    'must hold an address such as "Shop <news@shop.example>"',
  )

const smtp = z
  .string()
  .max(2000)
  .superRefine((value, ctx) => {
    let u: URL
    try {
      u = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a URL such as smtp://user:pass@host:587' })
      return
    }
    if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
      ctx.addIssue({ code: 'custom', message: 'must be smtp:// (STARTTLS) or smtps:// (TLS from the start)' })
    else if (!u.hostname) ctx.addIssue({ code: 'custom', message: 'must name the SMTP host' })
    // Options in a query (nodemailer reads some) are not read here: better refused than ignored.
    else if (u.search || u.hash) ctx.addIssue({ code: 'custom', message: 'must have no query or fragment' })
  })

/** A template's text, its syntax checked here so a broken one is refused when saved, not sent. */
const source = z
  .string()
  .max(20_000)
  .superRefine((value, ctx) => {
    const problem = templateProblem(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/** Both languages: no one gets a half-translated mail. */
const localized = z.strictObject({ en: source, 'zh-CN': source })

export const templateSchema = z.strictObject({
  subject: localized,
  text: localized,
  /** Without it, the HTML part is made from the text. */
  html: localized.optional(),
})

export const emailSchema = z.strictObject({
  key,
  name: z.string().min(1).max(200).optional(),
  /** Off: nothing new is queued for it; what is queued waits until it is on again. */
  enabled: z.boolean().default(true),
  kind: z.literal('email'),
  /** Every purpose the person's consent must grant for a mail to go. */
  purposes: z.array(z.enum(PURPOSES)).max(3).default(['marketing']),
  /** SMTP sessions at once, per collector process. */
  concurrency: z.number().int().min(1).max(16).default(2),
  /** At most this many mails a second, per collector process; unlimited when absent. */
  ratePerSecond: z.number().positive().max(10_000).optional(),
  /** `smtp://user:pass@host:587` or `smtps://user:pass@host:465`; a secret (in SECRET_FIELDS). */
  smtp,
  /** The sender, e.g. `Shop <news@shop.example>`. */
  from: mailbox,
  replyTo: mailbox.optional(),
  /** By key: a built-in's key replaces it, another key adds a template. */
  templates: z
    .record(key, templateSchema)
    .refine((t) => Object.keys(t).length <= 50, 'at most 50 templates')
    .optional(),
})

export type EmailDestination = z.infer<typeof emailSchema>
export type EmailTemplate = z.infer<typeof templateSchema>
