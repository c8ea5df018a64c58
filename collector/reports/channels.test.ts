import { describe, expect, it } from 'vitest'
import { type ChannelInput, channelOf } from './channels.ts'

const none: ChannelInput = { referrer: null, source: null, medium: null, clickId: false }
const cases: [string, Partial<ChannelInput>, string][] = [
  ['nothing at all', {}, 'Direct'],
  ['a newsletter link', { source: 'newsletter', medium: 'email' }, 'Email'],
  ['a mail client as source, no medium', { source: 'mailchimp' }, 'Email'],
  ['a banner campaign', { source: 'dv360', medium: 'display' }, 'Display'],
  ['a cpm buy', { source: 'news-site', medium: 'CPM' }, 'Display'],
  ['a Google ad by UTM', { source: 'google', medium: 'cpc', referrer: 'google.com' }, 'Paid Search'],
  ['a Google ad by its click id only', { clickId: true }, 'Paid Search'],
  ['a Bing ad by click id with referrer', { clickId: true, referrer: 'bing.com' }, 'Paid Search'],
  ['a Facebook ad with cpc medium', { source: 'facebook', medium: 'cpc' }, 'Social'],
  ['a Facebook link carrying fbclid', { clickId: true, referrer: 'l.facebook.com' }, 'Social'],
  ['a paid social campaign', { source: 'linkedin', medium: 'paid-social' }, 'Social'],
  ['a tweet', { referrer: 't.co' }, 'Social'],
  ['a Weibo post', { referrer: 'weibo.com' }, 'Social'],
  ['social medium from an unknown source', { source: 'forum', medium: 'social' }, 'Social'],
  ['an organic Google result', { referrer: 'google.de' }, 'Organic Search'],
  ['an organic Baidu result', { referrer: 'baidu.com' }, 'Organic Search'],
  ['DuckDuckGo', { referrer: 'duckduckgo.com' }, 'Organic Search'],
  ['Brave Search', { referrer: 'search.brave.com' }, 'Organic Search'],
  ['organic medium', { source: 'partner', medium: 'organic' }, 'Organic Search'],
  ['a blog link', { referrer: 'someblog.example' }, 'Referral'],
  ['a host only resembling a search engine', { referrer: 'googleish.example' }, 'Referral'],
  ['referral medium', { medium: 'referral' }, 'Referral'],
  ['a source without medium', { source: 'partner-site' }, 'Referral'],
]

describe('channelOf', () => {
  it.each(cases)('%s', (_name, input, channel) => {
    expect(channelOf({ ...none, ...input })).toBe(channel)
  })
})
