import { fill, isSafeUrl } from '../../rules/content.ts'
import type { SlotContent } from '../../rules/personalization-schema.ts'

/** The content with its texts filled in from the attributes, for a plan. */
export const fillContent = (content: SlotContent, attributes: Record<string, unknown>): SlotContent => {
  const text = (s: string) => fill(s, attributes)
  return {
    ...content,
    ...(content.heading ? { heading: text(content.heading) } : {}),
    ...(content.text ? { text: text(content.text) } : {}),
    ...(content.image ? { image: { ...content.image, alt: text(content.image.alt) } } : {}),
    ...(content.link ? { link: { ...content.link, text: text(content.link.text) } } : {}),
  }
}

/**
 * Builds a variant's content with DOM calls only: texts go in as text nodes and URLs are checked
 * again (the cached config is only as trustworthy as localStorage), so nothing in the config or
 * in a visitor's traits can become markup or script. `text` fills the templates in (a plan's
 * content was filled when it was made).
 */
export const renderContent = (doc: Document, content: SlotContent, text = (s: string) => s) => {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, body?: string) => {
    const node = doc.createElement(tag)
    if (body !== undefined) node.textContent = text(body)
    return node
  }
  const nodes: Node[] = []
  if (content.heading) nodes.push(el('h2', content.heading))
  if (content.text) nodes.push(el('p', content.text))
  if (content.image && isSafeUrl(content.image.src)) {
    const img = el('img')
    img.src = content.image.src
    img.alt = text(content.image.alt)
    nodes.push(img)
  }
  if (content.link && isSafeUrl(content.link.href)) {
    const a = el('a', content.link.text)
    a.href = content.link.href
    nodes.push(a)
  }
  return nodes
}
