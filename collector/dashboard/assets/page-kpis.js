// The kpis report page (placeholder, filled in this change).
import { h } from './dom.js'

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  ctx.main.append(h('h2', {}, 'kpis'))
}
