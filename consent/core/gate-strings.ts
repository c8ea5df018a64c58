// The few texts p.js itself needs (the placeholders of blocked iframes); the banner's and the
// dialog's come with them in strings.ts, loaded with the consent UI's chunk.
export const LANGUAGES = ['en', 'zh-CN'] as const
export type Language = (typeof LANGUAGES)[number]

export const GATE_STRINGS = {
  en: {
    necessary: 'Necessary',
    analytics: 'Analytics',
    personalization: 'Personalization',
    marketing: 'Marketing',
    blocked: 'This content is blocked until you allow {purpose}.',
    allow: 'Allow {purpose}',
  },
  'zh-CN': {
    necessary: '必要',
    analytics: '分析',
    personalization: '个性化',
    marketing: '营销',
    blocked: '在您允许{purpose}之前，此内容已被屏蔽。',
    allow: '允许{purpose}',
  },
}

export type GateStrings = (typeof GATE_STRINGS)['en']

/** Picks the language: the site's setting, else the page's (`zh*` → Simplified Chinese), else English. */
export const pickLanguage = (setting: Language | 'auto', pageLang: string): Language =>
  setting !== 'auto' ? setting : /^zh\b/i.test(pageLang) ? 'zh-CN' : 'en'
