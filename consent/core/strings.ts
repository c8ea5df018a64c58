// Built-in texts of the banner and the preferences dialog. Pure data, shared with the collector,
// which hashes the exact texts a visitor was shown into the proof-of-consent record.
import { GATE_STRINGS, type Language } from './gate-strings.ts'

export { LANGUAGES, type Language, pickLanguage } from './gate-strings.ts'

const en = {
  ...GATE_STRINGS.en,
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
}

export type Strings = typeof en
export type StringKey = keyof Strings

const zhCN: Strings = {
  ...GATE_STRINGS['zh-CN'],
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
}

export const STRINGS: Record<Language, Strings> = { en, 'zh-CN': zhCN }

/** The texts shown: built-in ones with the site owner's overrides on top. */
export const resolveStrings = (
  lang: Language,
  overrides?: Partial<Record<Language, Partial<Strings>>>,
): Strings => ({
  ...STRINGS[lang],
  ...overrides?.[lang],
})
