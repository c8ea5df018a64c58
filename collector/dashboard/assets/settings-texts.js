// The texts of the consent banner and dialog a site owner may reword, grouped as a visitor meets
// them. Their built-in wording comes with the consent section from the admin API
// (consent/core/strings.ts); test/e2e/dashboard-settings.spec.ts checks every key is here.

/** The languages of the texts: the code, its name, and the label shown next to each field. */
export const LANGUAGES = /** @type {['en' | 'zh-CN', string][]} */ ([
  ['en', 'English'],
  ['zh-CN', '简体中文'],
])

/**
 * Each group's texts: key, what it is, and whether it is a sentence or more (a text area).
 * @type {{ title: string, hint?: string, texts: [string, string, boolean][] }[]}
 */
export const TEXT_GROUPS = [
  {
    title: 'Banner',
    texts: [
      ['title', 'Banner title', false],
      ['text', 'Banner text', true],
      ['acceptAll', '"Accept all" button', false],
      ['rejectAll', '"Reject all" button', false],
      ['preferences', '"Preferences" button', false],
    ],
  },
  {
    title: 'Preferences dialog',
    texts: [
      ['dialogTitle', 'Dialog title', false],
      ['dialogText', 'Dialog text', true],
      ['save', '"Save choices" button', false],
      ['close', '"Close" button', false],
      ['alwaysOn', '"Always on" label', false],
      ['gpc', 'Global Privacy Control note', true],
      ['reloadText', 'Reload note', true],
      ['reload', '"Reload" button', false],
    ],
  },
  {
    title: 'Purposes',
    texts: [
      ['necessary', 'Necessary: name', false],
      ['necessaryText', 'Necessary: description', true],
      ['analytics', 'Analytics: name', false],
      ['analyticsText', 'Analytics: description', true],
      ['personalization', 'Personalization: name', false],
      ['personalizationText', 'Personalization: description', true],
      ['marketing', 'Marketing: name', false],
      ['marketingText', 'Marketing: description', true],
    ],
  },
  {
    title: 'Blocked content',
    hint: "{purpose} is replaced by the purpose's name.",
    texts: [
      ['blocked', 'Placeholder text', true],
      ['allow', '"Allow" button', false],
    ],
  },
  {
    title: 'Privacy choices link and your data',
    texts: [
      ['reopen', 'Link that opens the choices again', false],
      ['yourData', '"Your data" heading', false],
      ['yourDataText', '"Your data" text', true],
      ['download', '"Download my data" button', false],
      ['erase', '"Delete my data" button', false],
      ['confirmErase', 'Erasure confirmation button', false],
      ['erased', 'After erasure', false],
      ['rightsFailed', 'When a download or erasure fails', false],
    ],
  },
]
