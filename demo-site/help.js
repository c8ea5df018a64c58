// The help centre as a small single-page app: links change the URL with pushState, Back works
// through popstate. Precis sees the navigations by itself; this code never calls page().
const TOPICS = {
  shipping: ['Shipping', 'Orders leave within two working days; delivery takes three to five.'],
  returns: ['Returns', 'Send anything back within 30 days, unused, for a full refund.'],
  sizing: ['Sizing', 'Tents list their floor size; pans their diameter at the rim.'],
}

const article = document.getElementById('topic')
const render = () => {
  const topic = new URLSearchParams(location.search).get('topic')
  const [title, text] = TOPICS[topic] ?? ['Choose a topic', 'Pick one of the topics above.']
  article.replaceChildren(Object.assign(document.createElement('h2'), { textContent: title }), text)
  document.title = `${title} · Help · Precis demo shop`
}

document.querySelector('.topics').addEventListener('click', (e) => {
  const link = e.target.closest('a[data-topic]')
  if (!link) return
  e.preventDefault()
  if (link.href !== location.href) history.pushState({}, '', link.href)
  render()
})
window.addEventListener('popstate', render)
render()
