import { describe, expect, it } from 'vitest'
import { emailSchema } from './config.ts'
import {
  BUILT_IN_TEMPLATES,
  languageOf,
  render,
  renderEmail,
  type Template,
  TemplateError,
  templateProblem,
  UnknownTemplateError,
} from './templates.ts'

const UNSUBSCRIBE = 'https://c.shop.example/v1/unsubscribe?t=abc.def'
const CART = {
  name: 'Ada',
  items: [
    { name: 'Tea pot', quantity: 1, price: '€30.00' },
    { name: 'Cups', quantity: 4, price: '€12.00' },
  ],
  total: '€78.00',
  cartUrl: 'https://shop.example/cart',
  shopUrl: 'https://shop.example/',
}

describe('the template language', () => {
  it('inserts values by dot path, and nothing for what is missing', () => {
    expect(render('{{a}}-{{ b.c }}-{{b.missing}}-{{nope.x}}-{{n}}', { a: 'x', b: { c: 'y' }, n: 3 })).toBe(
      'x-y---3',
    )
    // Only own values: nothing from an object's prototype.
    expect(render('{{constructor}}{{a.toString}}{{__proto__}}', { a: {} })).toBe('')
  })

  it('repeats a section over a list, shows it once for another value, hides it when empty', () => {
    const items = '{{#items}}[{{name}} {{quantity}} {{currency}}]{{/items}}'
    expect(render(items, { items: [{ name: 'a', quantity: 1 }, { name: 'b' }], currency: 'EUR' })).toBe(
      '[a 1 EUR][b  EUR]',
    )
    expect(render(items, { items: [] })).toBe('')
    expect(render('{{#list}}<{{.}}>{{/list}}', { list: ['x', 'y'] })).toBe('<x><y>')
    const greet = '{{#name}}Hi {{name}}{{/name}}{{^name}}Hello{{/name}}'
    expect(render(greet, { name: 'Ada' })).toBe('Hi Ada')
    expect(render(greet, { name: '' })).toBe('Hello')
    expect(render(greet, { name: '  ' })).toBe('Hello')
    expect(render(greet, {})).toBe('Hello')
    expect(render('{{^items}}none{{/items}}', { items: [] })).toBe('none')
    expect(render('{{#cart}}{{total}}{{/cart}}', { cart: { total: '€5' } })).toBe('€5')
  })

  it('escapes values in HTML only', () => {
    const vars = { name: `<script>alert(1)</script> & "Bob's"` }
    const escaped = '&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Bob&#39;s&#34;'
    expect(render('<b title="{{name}}">{{name}}</b>', vars, true)).toBe(
      `<b title="${escaped}">${escaped}</b>`,
    )
    expect(render('{{name}}', vars)).toBe(vars.name)
  })

  it('says what is wrong with a broken template', () => {
    expect(templateProblem('{{#a}}x')).toBe('{{#a}} is never closed')
    expect(templateProblem('{{#a}}{{/b}}')).toBe('{{/b}} closes {{#a}}')
    expect(templateProblem('x{{/a}}')).toBe('{{/a}} closes nothing')
    expect(templateProblem('{{ a b }}')).toMatch(/is no tag/)
    expect(templateProblem('{{#a}}{{#b}}{{/b}}{{/a}} {{c}}')).toBeUndefined()
    expect(() => render('{{#a}}', {})).toThrow(TemplateError)
  })

  it('refuses a template that renders far too much', () => {
    const many = Array.from({ length: 1000 }, () => ({}))
    expect(() => render('{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}', { l: many })).toThrow(/more than/)
  })
})

describe('renderEmail', () => {
  it.each(BUILT_IN_TEMPLATES.flatMap((t) => ['en', 'zh-CN'].map((l) => [t, l] as const)))(
    '%s renders in %s with the unsubscribe link in both parts',
    (template, language) => {
      const mail = renderEmail({ template, language, variables: CART, unsubscribeUrl: UNSUBSCRIBE })
      expect(mail.language).toBe(language)
      expect(mail.subject).not.toBe('')
      expect(mail.subject).not.toMatch(/[{}]/)
      expect(mail.text).toContain(UNSUBSCRIBE)
      expect(mail.html).toContain(`href="${UNSUBSCRIBE}"`)
      expect(mail.html).toContain(`<html lang="${language}">`)
      expect(`${mail.text}${mail.html}`).not.toMatch(/\{\{|\}\}/)
      // Exactly one unsubscribe line: the built-ins carry theirs.
      expect(mail.text.split(UNSUBSCRIBE)).toHaveLength(2)
      const greeting = language === 'en' ? 'Hi Ada,' : 'Ada，您好！'
      expect(mail.text.startsWith(greeting)).toBe(true)
      expect(mail.html).toContain(greeting)
    },
  )

  it('lists the cart and links it', () => {
    const mail = renderEmail({ template: 'abandoned-cart', variables: CART, unsubscribeUrl: UNSUBSCRIBE })
    expect(mail.text).toContain('- Tea pot × 1: €30.00\n- Cups × 4: €12.00\n')
    expect(mail.text).toContain('Total: €78.00')
    expect(mail.text).toContain('Pick up where you left off: https://shop.example/cart')
    expect(mail.html).toContain('>Cups</td>')
    expect(mail.html).toContain('href="https://shop.example/cart"')
    const zh = renderEmail({
      template: 'abandoned-cart',
      language: 'zh',
      variables: CART,
      unsubscribeUrl: UNSUBSCRIBE,
    })
    expect(zh.text).toContain('- Cups × 4：€12.00')
    expect(zh.text).toContain('继续结账：https://shop.example/cart')
  })

  it('greets neutrally without a name, and links the shop in a win-back', () => {
    const welcome = renderEmail({ template: 'welcome', variables: {}, unsubscribeUrl: UNSUBSCRIBE })
    expect(welcome.subject).toBe('Welcome!')
    expect(welcome.text.startsWith('Hello,\n')).toBe(true)
    expect(welcome.html).not.toContain('Visit the shop')
    const zh = renderEmail({ template: 'welcome', language: 'zh-CN', unsubscribeUrl: UNSUBSCRIBE })
    expect(zh.subject).toBe('欢迎加入！')
    expect(zh.text.startsWith('您好！')).toBe(true)
    const back = renderEmail({ template: 'win-back', variables: CART, unsubscribeUrl: UNSUBSCRIBE })
    expect(back.subject).toBe('Ada, we miss you')
    expect(back.text).toContain('https://shop.example/')
    expect(back.html).toContain('href="https://shop.example/"')
  })

  it('escapes values in the HTML part and leaves them as they are in the text', () => {
    const name = `<script>alert(1)</script> & "Bob's"`
    const mail = renderEmail({ template: 'welcome', variables: { name }, unsubscribeUrl: UNSUBSCRIBE })
    expect(mail.text).toContain(`Hi ${name},`)
    expect(mail.html).not.toContain('<script>')
    expect(mail.html).toContain('Hi &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Bob&#39;s&#34;,')
  })

  it('keeps line breaks out of the subject, so a value cannot add a header', () => {
    const name = 'Ada\r\nBcc: everyone@example.com\n'
    const mail = renderEmail({ template: 'welcome', variables: { name }, unsubscribeUrl: UNSUBSCRIBE })
    expect(mail.subject).toBe('Welcome, Ada Bcc: everyone@example.com !')
    expect(mail.subject).not.toMatch(/[\r\n]/)
  })

  it('picks Simplified Chinese for any zh locale, English otherwise', () => {
    expect(['zh', 'zh-CN', 'ZH-tw', 'zh_Hans'].map(languageOf)).toEqual(Array(4).fill('zh-CN'))
    expect(['en-US', 'de', '', undefined].map(languageOf)).toEqual(Array(4).fill('en'))
    expect(
      renderEmail({ template: 'win-back', language: 'zh-TW', unsubscribeUrl: UNSUBSCRIBE }).subject,
    ).toBe('好久不见')
  })

  it("uses a site's template over the built-in, and adds the unsubscribe line it left out", () => {
    const own: Template = {
      subject: { en: 'Hello {{name}}', 'zh-CN': '你好 {{name}}' },
      text: { en: 'News for {{name}}.', 'zh-CN': '{{name}}的新闻。' },
      html: { en: '<html lang="en"><body><p>News for {{name}}.</p></body></html>', 'zh-CN': '<p>新闻</p>' },
    }
    const mail = renderEmail({
      template: 'welcome',
      templates: { welcome: own },
      variables: { name: 'Ada' },
      unsubscribeUrl: UNSUBSCRIBE,
    })
    expect(mail.subject).toBe('Hello Ada')
    expect(mail.text).toBe(`News for Ada.\n\n--\nDon't want these emails? Unsubscribe: ${UNSUBSCRIBE}\n`)
    expect(mail.html).toMatch(
      new RegExp(`<a href="${UNSUBSCRIBE.replace(/[?.]/g, '\\$&')}"[^>]*>Unsubscribe</a>`),
    )
    expect(mail.html.indexOf(UNSUBSCRIBE)).toBeLessThan(mail.html.indexOf('</body>'))
    const zh = renderEmail({
      template: 'welcome',
      templates: { welcome: own },
      language: 'zh-CN',
      unsubscribeUrl: UNSUBSCRIBE,
    })
    expect(zh.text).toContain(`退订：${UNSUBSCRIBE}`)
    expect(zh.html).toContain('>退订</a>')
  })

  it("leaves a site's template that has the link alone, and makes HTML from the text when it has none", () => {
    const own: Template = {
      subject: { en: 'Offer', 'zh-CN': '优惠' },
      text: { en: 'Hi <{{name}}>\nMore: {{unsubscribeUrl}}', 'zh-CN': '你好\n退订：{{unsubscribeUrl}}' },
    }
    const mail = renderEmail({
      template: 'offer',
      templates: { offer: own },
      variables: { name: 'A&B' },
      unsubscribeUrl: UNSUBSCRIBE,
    })
    expect(mail.text).toBe(`Hi <A&B>\nMore: ${UNSUBSCRIBE}`)
    expect(mail.html).toContain('<p>Hi &#60;A&#38;B&#62;<br>\nMore: ')
    expect(mail.html).toContain(`href="${UNSUBSCRIBE}"`)
    expect(mail.html).toContain('<html lang="en">')
  })

  it('throws a typed error for an unknown template', () => {
    expect(() => renderEmail({ template: 'nope', unsubscribeUrl: UNSUBSCRIBE })).toThrow(UnknownTemplateError)
    expect(() => renderEmail({ template: 'toString', unsubscribeUrl: UNSUBSCRIBE })).toThrow(
      UnknownTemplateError,
    )
  })
})

describe('emailSchema', () => {
  const base = {
    key: 'news',
    kind: 'email',
    smtp: 'smtp://u:p@mail.shop.example:587',
    from: 'Shop <news@shop.example>',
  }

  it('fills in the defaults', () => {
    expect(emailSchema.parse(base)).toEqual({
      ...base,
      enabled: true,
      purposes: ['marketing'],
      concurrency: 2,
    })
  })

  it.each([
    [{ smtp: 'https://mail.shop.example' }, /smtp:\/\//],
    [{ smtp: 'not a url' }, /must be a URL/],
    [{ smtp: 'smtp://mail.shop.example?tls.rejectUnauthorized=false' }, /no query/],
    [{ from: 'Shop' }, /address/],
    [{ from: 'Shop <news@shop.example>\r\nBcc: x@y' }, /one line/],
    [{ templates: { x: { subject: { en: 'a' }, text: { en: 'b', 'zh-CN': 'c' } } } }, /zh-CN/],
    [
      { templates: { x: { subject: { en: '{{#a}}', 'zh-CN': 'a' }, text: { en: 'b', 'zh-CN': 'c' } } } },
      /never closed/,
    ],
    [
      { templates: { 'Bad Key': { subject: { en: 'a', 'zh-CN': 'a' }, text: { en: 'b', 'zh-CN': 'c' } } } },
      /lowercase/,
    ],
    [{ kind: 'webhook' }, /email/],
    [{ extra: 1 }, /extra/],
  ])('refuses %j', (change, message) => {
    const result = emailSchema.safeParse({ ...base, ...change })
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).toMatch(message)
  })
})
