// A stand-in consent bar until Precis's own banner lands: it only calls the public consent API.
const bar = document.querySelector('#demo-consent')
const show = (state) => {
  bar.hidden = state.source !== 'default'
  document.querySelector('#consent-status').textContent = state.purposes.analytics ? 'on' : 'off'
}
window.precis.ready((precis) => {
  show(precis.consent.get())
  precis.consent.on('change', show)
  document.querySelector('#consent-accept').addEventListener('click', () => precis.consent.acceptAll())
  document.querySelector('#consent-reject').addEventListener('click', () => precis.consent.rejectAll())
  document.querySelector('#consent-change').addEventListener('click', () => {
    bar.hidden = false
  })
})
