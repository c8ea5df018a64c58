// The texts of the consent banner and dialog a site owner may reword, grouped as a visitor meets
// them, and the built-in wording each override replaces (consent/core/strings.ts, copied: the
// dashboard has no build step; test/e2e/dashboard-settings.spec.ts fails when the two differ).

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

/** The built-in wording, by language and key. */
export const BUILT_IN = {
  en: {
    necessary: 'Necessary',
    analytics: 'Analytics',
    personalization: 'Personalization',
    marketing: 'Marketing',
    blocked: 'This content is blocked until you allow {purpose}.',
    allow: 'Allow {purpose}',
    title: 'Your privacy choices',
    text: 'We use cookies and similar technologies for analytics, personalization and marketing only with your consent. You can change your choice at any time.',
    acceptAll: 'Accept all',
    rejectAll: 'Reject all',
    preferences: 'Preferences',
    dialogTitle: 'Privacy preferences',
    dialogText: 'Choose what this site may do. Necessary functions are always on.',
    save: 'Save choices',
    close: 'Close',
    alwaysOn: 'Always on',
    necessaryText: 'Needed for the site to work and to remember your choice.',
    analyticsText: 'Measures visits to improve the site.',
    personalizationText: 'Tailors content and offers to you.',
    marketingText: 'Measures and personalizes advertising, including sharing with partners.',
    gpc: 'Your browser sent a Global Privacy Control signal: marketing stays off unless you switch it on here.',
    reloadText: 'Some features already ran on this page. Reload to stop them fully.',
    reload: 'Reload',
    reopen: 'Privacy choices',
    yourData: 'Your data',
    yourDataText: 'Download or delete what this site has collected about you.',
    download: 'Download my data',
    erase: 'Delete my data',
    confirmErase: 'Confirm: delete my data',
    erased: 'Your data was deleted.',
    rightsFailed: 'That did not work. Please try again later.',
  },
  'zh-CN': {
    necessary: '必要',
    analytics: '分析',
    personalization: '个性化',
    marketing: '营销',
    blocked: '在您允许{purpose}之前，此内容已被屏蔽。',
    allow: '允许{purpose}',
    title: '您的隐私选择',
    text: '我们仅在您同意后，才将 Cookie 及类似技术用于分析、个性化和营销。您可以随时更改选择。',
    acceptAll: '全部接受',
    rejectAll: '全部拒绝',
    preferences: '偏好设置',
    dialogTitle: '隐私偏好设置',
    dialogText: '选择本网站可以做什么。必要功能始终开启。',
    save: '保存选择',
    close: '关闭',
    alwaysOn: '始终开启',
    necessaryText: '网站运行及记住您的选择所必需。',
    analyticsText: '统计访问情况以改进网站。',
    personalizationText: '为您定制内容和优惠。',
    marketingText: '衡量和个性化广告，包括与合作伙伴共享。',
    gpc: '您的浏览器发送了全球隐私控制（GPC）信号：除非您在此开启，营销将保持关闭。',
    reloadText: '部分功能已在本页运行。重新加载页面才能完全停止。',
    reload: '重新加载',
    reopen: '隐私选择',
    yourData: '您的数据',
    yourDataText: '下载或删除本网站收集的关于您的数据。',
    download: '下载我的数据',
    erase: '删除我的数据',
    confirmErase: '确认：删除我的数据',
    erased: '您的数据已删除。',
    rightsFailed: '操作未成功，请稍后再试。',
  },
}
