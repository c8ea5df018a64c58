// Being written in this session.
import { notice } from './dom.js'

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  ctx.main.append(notice('Not here yet.'))
}
