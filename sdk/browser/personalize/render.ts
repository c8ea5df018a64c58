import { fill, isSafeUrl } from '../../rules/content.ts'
import type { SlotContent } from '../../rules/personalization-schema.ts'

/**
 * Builds a variant's content with DOM calls only: texts go in as text nodes and URLs are checked
 * again (the cached config is only as trustworthy as localStorage), so nothing in the config or
 * in a visitor's traits can become markup or script.
 */
export const renderContent = (doc: Document, content: SlotContent, attributes: Record<string, unknown>) => {
  const text = (s: string) => fill(s, attributes)
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
