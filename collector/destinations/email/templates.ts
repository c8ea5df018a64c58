// The mails themselves: built-in templates in English and Simplified Chinese, and a tiny template
// language (a subset of Mustache) so a site can write its own. `{{name}}` inserts a value (dot paths
// allowed), `{{#items}}…{{/items}}` repeats over a list or shows once for any other non-empty value,
// `{{^name}}…{{/name}}` shows when a value is empty or missing. In HTML every inserted value is
// escaped; in the text nothing is; the subject loses line breaks, which would let a value add
// headers. Every mail carries its unsubscribe link: when a template leaves it out, a line is added.
// Pure.

export type Language = 'en' | 'zh-CN'
export type Localized = Record<Language, string>

export interface Template {
  subject: Localized
  text: Localized
  /** Without it, the HTML part is made from the text. */
  html?: Localized
}

type Section = { kind: 'section' | 'inverted'; name: string; children: Node[] }
type Node = string | { kind: 'value'; name: string } | Section

/** A template that cannot be read (a section left open or closed out of turn, a broken tag), or
 * that renders to more than MAX_OUTPUT characters (sections over lists inside each other). */
export class TemplateError extends Error {}

const MAX_OUTPUT = 1_000_000

/** renderEmail's answer to a template key neither built in nor among the site's. */
export class UnknownTemplateError extends Error {
  constructor(readonly template: string) {
    super(`no email template "${template}"`)
  }
}

const TAG = /\{\{\s*([#^/]?)\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*|\.)\s*\}\}/g

const parse = (source: string): Node[] => {
  const root: Node[] = []
  const open: Section[] = []
  let children = root
  let at = 0
  const literal = (text: string) => {
    if (text.includes('{{')) throw new TemplateError(`"${text.slice(text.indexOf('{{'), 40)}" is no tag`)
    if (text) children.push(text)
  }
  for (const m of source.matchAll(TAG)) {
    literal(source.slice(at, m.index))
    at = m.index + m[0].length
    const [, sigil, name = ''] = m
    if (sigil === '/') {
      const closed = open.pop()
      if (closed?.name !== name)
        throw new TemplateError(`{{/${name}}} closes ${closed ? `{{#${closed.name}}}` : 'nothing'}`)
      children = open.at(-1)?.children ?? root
    } else if (sigil) {
      const node: Section = { kind: sigil === '#' ? 'section' : 'inverted', name, children: [] }
      children.push(node)
      open.push(node)
      children = node.children
    } else children.push({ kind: 'value', name })
  }
  literal(source.slice(at))
  if (open.length > 0) throw new TemplateError(`{{#${open.at(-1)!.name}}} is never closed`)
  return root
}

/** Why `source` is not a template, or undefined when it is one. */
export const templateProblem = (source: string): string | undefined => {
  try {
    parse(source)
    return undefined
  } catch (error) {
    if (error instanceof TemplateError) return error.message
    throw error
  }
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Mustache's look-up: the innermost context holding the first name, then the rest of the path. */
const lookup = (contexts: unknown[], name: string): unknown => {
  if (name === '.') return contexts.at(-1)
  const [first = '', ...rest] = name.split('.')
  const from = [...contexts].reverse().find((c): c is Json => isObject(c) && Object.hasOwn(c, first))
  // Own properties only: `{{constructor}}` finds nothing.
  return rest.reduce<unknown>(
    (v, k) => (isObject(v) && Object.hasOwn(v, k) ? v[k] : undefined),
    from?.[first],
  )
}

/** Whether a section shows: a list with items, a string not blank, anything but null and false. */
const shown = (v: unknown) =>
  Array.isArray(v) ? v.length > 0 : typeof v === 'string' ? v.trim() !== '' : v != null && v !== false

const text = (v: unknown) =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : ''

/** & < > " ' as numeric references (`&#60;`): safe in text and in quoted attributes alike. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** `source` with `variables`; values HTML-escaped when `html`. Throws TemplateError. */
export const render = (source: string, variables: Json, html = false) => {
  const out: string[] = []
  let size = 0
  const emit = (s: string) => {
    size += s.length
    if (size > MAX_OUTPUT) throw new TemplateError(`renders to more than ${MAX_OUTPUT} characters`)
    out.push(s)
  }
  const walk = (nodes: Node[], contexts: unknown[]) => {
    for (const node of nodes) {
      if (typeof node === 'string') {
        emit(node)
        continue
      }
      const value = lookup(contexts, node.name)
      if (node.kind === 'value') emit(html ? escapeHtml(text(value)) : text(value))
      else if (node.kind === 'inverted') {
        if (!shown(value)) walk(node.children, contexts)
      } else if (shown(value))
        for (const item of Array.isArray(value) ? value : [value]) walk(node.children, [...contexts, item])
    }
  }
  walk(parse(source), [variables])
  return out.join('')
}

/** zh-CN for any Chinese locale (`zh`, `zh-TW`, `ZH_hans`), English otherwise. */
export const languageOf = (locale: string | undefined): Language =>
  locale?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'

/** The unsubscribe line: as text, and the HTML frame's footer. */
const FOOTER_TEXT: Localized = {
  en: "--\nDon't want these emails? Unsubscribe: {{unsubscribeUrl}}",
  'zh-CN': '--\n不想再收到这些邮件？退订：{{unsubscribeUrl}}',
}
const FOOTER_HTML: Localized = {
  en: `Don't want these emails? <a href="{{unsubscribeUrl}}" style="color:#71717a">Unsubscribe</a>`,
  'zh-CN': '不想再收到这些邮件？<a href="{{unsubscribeUrl}}" style="color:#71717a">退订</a>',
}

/** The HTML frame: one column, inline styles only (mail clients drop style sheets). */
const page = (lang: Language, body: string, footer = FOOTER_HTML[lang]) => `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;padding:24px 12px;background:#f4f4f5;color:#18181b;font:16px/1.6 -apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif">
<div style="max-width:560px;margin:0 auto;padding:32px;background:#ffffff;border-radius:8px">
${body}
<p style="margin:32px 0 0;font-size:12px;color:#71717a">${footer}</p>
</div>
</body>
</html>
`

const button = (href: string, label: string) =>
  `<p style="margin:24px 0"><a href="{{${href}}}" style="display:inline-block;padding:12px 20px;background:#18181b;color:#ffffff;text-decoration:none;border-radius:6px">${label}</a></p>`

const GREETING: Localized = {
  en: '{{#name}}Hi {{name}},{{/name}}{{^name}}Hello,{{/name}}',
  'zh-CN': '{{#name}}{{name}}，您好！{{/name}}{{^name}}您好！{{/name}}',
}

/** A built-in in one language: subject, text and HTML bodies (builtIn adds greeting and footer). */
type Part = Record<'subject' | 'text' | 'html', string>

const CELL = 'padding:8px 0;border-bottom:1px solid #e4e4e7'
const cartTable = `<table role="presentation" style="width:100%;border-collapse:collapse;margin:16px 0">
{{#items}}<tr><td style="${CELL}">{{name}}</td><td style="${CELL};text-align:right">× {{quantity}}</td><td style="${CELL};text-align:right">{{price}}</td></tr>
{{/items}}</table>`

export const BUILT_IN_TEMPLATES = ['welcome', 'abandoned-cart', 'win-back'] as const
export type BuiltInTemplate = (typeof BUILT_IN_TEMPLATES)[number]

const BUILT_IN: Record<BuiltInTemplate, Record<Language, Part>> = {
  welcome: {
    en: {
      subject: '{{#name}}Welcome, {{name}}!{{/name}}{{^name}}Welcome!{{/name}}',
      text: "Thank you for signing up. We'll write now and then with news and offers we think you'll like.{{#shopUrl}}\n\nVisit the shop: {{shopUrl}}{{/shopUrl}}",
      html: `<p>Thank you for signing up. We'll write now and then with news and offers we think you'll like.</p>
{{#shopUrl}}${button('shopUrl', 'Visit the shop')}{{/shopUrl}}`,
    },
    'zh-CN': {
      subject: '{{#name}}{{name}}，欢迎加入！{{/name}}{{^name}}欢迎加入！{{/name}}',
      text: '感谢您的订阅。我们会不时为您送上新品资讯和您可能喜欢的优惠。{{#shopUrl}}\n\n去逛逛：{{shopUrl}}{{/shopUrl}}',
      html: `<p>感谢您的订阅。我们会不时为您送上新品资讯和您可能喜欢的优惠。</p>
{{#shopUrl}}${button('shopUrl', '去逛逛')}{{/shopUrl}}`,
    },
  },
  'abandoned-cart': {
    en: {
      subject: 'You left something in your cart',
      text: 'You left these in your cart:\n\n{{#items}}- {{name}} × {{quantity}}: {{price}}\n{{/items}}{{#total}}\nTotal: {{total}}\n{{/total}}\nPick up where you left off: {{cartUrl}}\n',
      html: `<p>You left these in your cart:</p>
${cartTable}
{{#total}}<p>Total: <strong>{{total}}</strong></p>{{/total}}
${button('cartUrl', 'Return to your cart')}`,
    },
    'zh-CN': {
      subject: '您的购物车里还有商品',
      text: '您的购物车里还有这些商品：\n\n{{#items}}- {{name}} × {{quantity}}：{{price}}\n{{/items}}{{#total}}\n合计：{{total}}\n{{/total}}\n继续结账：{{cartUrl}}\n',
      html: `<p>您的购物车里还有这些商品：</p>
${cartTable}
{{#total}}<p>合计：<strong>{{total}}</strong></p>{{/total}}
${button('cartUrl', '返回购物车')}`,
    },
  },
  'win-back': {
    en: {
      subject: '{{#name}}{{name}}, we miss you{{/name}}{{^name}}We miss you{{/name}}',
      text: "It has been a while. Here is what's new since your last visit: {{shopUrl}}\n",
      html: `<p>It has been a while. Here is what's new since your last visit.</p>
${button('shopUrl', "See what's new")}`,
    },
    'zh-CN': {
      subject: '{{#name}}{{name}}，好久不见{{/name}}{{^name}}好久不见{{/name}}',
      text: '好久不见！来看看您上次光临后我们的新品吧：{{shopUrl}}\n',
      html: `<p>好久不见！来看看您上次光临后我们的新品吧。</p>
${button('shopUrl', '看看新品')}`,
    },
  },
}

const builtIn = (parts: Record<Language, Part>): Template => {
  const each = (f: (p: Part, lang: Language) => string): Localized => ({
    en: f(parts.en, 'en'),
    'zh-CN': f(parts['zh-CN'], 'zh-CN'),
  })
  return {
    subject: each((p) => p.subject),
    text: each((p, lang) => `${GREETING[lang]}\n\n${p.text.trimEnd()}\n\n${FOOTER_TEXT[lang]}\n`),
    html: each((p, lang) => page(lang, `<p>${GREETING[lang]}</p>\n${p.html}`)),
  }
}

const TEMPLATES: Record<string, Template> = Object.fromEntries(
  Object.entries(BUILT_IN).map(([key, parts]) => [key, builtIn(parts)]),
)

/** The site's template by that key, else the built-in one. */
const templateOf = (key: string, custom: Record<string, Template> | undefined): Template => {
  if (custom && Object.hasOwn(custom, key)) return custom[key]!
  if (Object.hasOwn(TEMPLATES, key)) return TEMPLATES[key]!
  throw new UnknownTemplateError(key)
}

/** A text part as HTML: paragraphs at blank lines, line breaks kept, every character escaped. */
const textToHtml = (text: string) =>
  text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n')

export interface RenderInput {
  /** A built-in key, or one of `templates`' (which wins). */
  template: string
  /** The site's own templates. */
  templates?: Record<string, Template>
  /** The person's locale (`zh-CN`, `en-US`, …); see languageOf. */
  language?: string
  variables?: Record<string, unknown>
  /** Always given to the template as `unsubscribeUrl`, and added when the template left it out. */
  unsubscribeUrl: string
}

export type RenderedEmail = Record<'subject' | 'text' | 'html', string> & { language: Language }

/**
 * The mail `template` makes for these variables. Throws UnknownTemplateError for a key neither
 * built in nor the site's; TemplateError for a broken template (the config schema refuses those)
 * or one that renders too much.
 */
export const renderEmail = (input: RenderInput): RenderedEmail => {
  const t = templateOf(input.template, input.templates)
  const language = languageOf(input.language)
  const url = input.unsubscribeUrl
  const variables = { ...input.variables, unsubscribeUrl: url }
  const subject = render(t.subject[language], variables)
    .replace(/[\r\n]+/g, ' ')
    .trim()
  const body = render(t.text[language], variables)
  const text = body.includes(url)
    ? body
    : `${body.trimEnd()}\n\n${render(FOOTER_TEXT[language], variables)}\n`
  const footer = render(FOOTER_HTML[language], variables, true)
  // Without an HTML template, the text in the frame, whose footer holds the link.
  if (!t.html) return { subject, text, html: page(language, textToHtml(body), footer), language }
  let html = render(t.html[language], variables, true)
  if (!html.includes(escapeHtml(url))) {
    const line = `<p style="font-size:12px;color:#71717a">${footer}</p>\n`
    const end = html.toLowerCase().lastIndexOf('</body>')
    html = end < 0 ? `${html}\n${line}` : `${html.slice(0, end)}${line}${html.slice(end)}`
  }
  return { subject, text, html, language }
}
