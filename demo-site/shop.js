// The demo shop's own code. It talks to Precis only through the public API, as any site would.
import { bySku, CATEGORIES, PRODUCTS } from './products.js'

// Before p.js loads this is the snippet's object; p.js then gives it the real methods.
const precis = window.precis
const CART_KEY = 'demo-cart' // the shop's own cart: strictly necessary, not Precis's storage
const money = (n) => `$${n.toFixed(2)}`

const readCart = () => {
  try {
    return JSON.parse(localStorage.getItem(CART_KEY) ?? '[]')
  } catch {
    return []
  }
}
const writeCart = (cart) => {
  localStorage.setItem(CART_KEY, JSON.stringify(cart))
  renderCartCount()
}
const renderCartCount = () => {
  const count = readCart().reduce((n, line) => n + line.qty, 0)
  for (const el of document.querySelectorAll('[data-cart-count]')) el.textContent = String(count)
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  node.append(...children)
  return node
}

const productCard = (p) =>
  el(
    'article',
    { class: 'card' },
    el('h3', {}, el('a', { href: `product.html?sku=${p.sku}` }, p.name)),
    el('p', {}, p.blurb),
    el('p', { class: 'price' }, money(p.price)),
  )

const addToCart = (product) => {
  const cart = readCart()
  const line = cart.find((l) => l.sku === product.sku)
  if (line) line.qty += 1
  else cart.push({ sku: product.sku, qty: 1 })
  writeCart(cart)
  precis.track('Product Added', {
    product_id: product.sku,
    name: product.name,
    category: product.category,
    price: product.price,
    quantity: 1,
  })
}

const pages = {
  home() {
    document.querySelector('#featured').append(...PRODUCTS.filter((_, i) => i % 2 === 0).map(productCard))
  },
  category(main) {
    const key = main.dataset.category
    const list = PRODUCTS.filter((p) => p.category === key)
    document.querySelector('#products').append(...list.map(productCard))
    precis.track('Product List Viewed', { category: key, list_id: key, products: list.map((p) => p.sku) })
  },
  product() {
    const product = bySku(new URLSearchParams(location.search).get('sku') ?? '')
    const box = document.querySelector('#product')
    if (!product) {
      box.append(el('p', {}, 'No such product.'))
      return
    }
    document.title = `${product.name} · Precis demo shop`
    const button = el('button', { type: 'button', id: 'add-to-cart' }, 'Add to cart')
    button.addEventListener('click', () => {
      addToCart(product)
      button.textContent = 'Added ✓'
    })
    box.append(
      el(
        'p',
        { class: 'crumb' },
        el('a', { href: CATEGORIES[product.category].page }, CATEGORIES[product.category].title),
      ),
      el('h1', {}, product.name),
      el('p', {}, product.blurb),
      el('p', { class: 'price' }, money(product.price)),
      button,
    )
    precis.track('Product Viewed', {
      product_id: product.sku,
      name: product.name,
      category: product.category,
      price: product.price,
    })
  },
  cart() {
    const cart = readCart()
    const box = document.querySelector('#cart')
    const lines = cart.map((l) => ({ ...l, product: bySku(l.sku) })).filter((l) => l.product)
    if (lines.length === 0) {
      box.append(el('p', {}, 'Your cart is empty.'))
      return
    }
    const total = lines.reduce((sum, l) => sum + l.qty * l.product.price, 0)
    box.append(
      el(
        'ul',
        {},
        ...lines.map((l) => el('li', {}, `${l.qty} × ${l.product.name} — ${money(l.qty * l.product.price)}`)),
      ),
      el('p', { class: 'price' }, `Total ${money(total)}`),
    )
    const form = el(
      'form',
      { id: 'checkout' },
      el('label', { for: 'email' }, 'Email for the receipt'),
      el('input', { id: 'email', name: 'email', type: 'email', required: '', autocomplete: 'email' }),
      el('button', { type: 'submit' }, 'Place order'),
    )
    // The address typed before paying: a checkout that started, and the abandoned-cart journey's way to remind.
    const products = lines.map((l) => ({
      product_id: l.sku,
      name: l.product.name,
      quantity: l.qty,
      price: l.product.price,
    }))
    form.querySelector('#email').addEventListener('change', (e) => {
      const email = e.target.value.trim()
      if (!e.target.checkValidity() || email === '') return
      precis.identify(`customer:${email}`, { email })
      precis.track('Checkout Started', { value: total, currency: 'USD', products })
    })
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const email = new FormData(form).get('email')
      const orderId = `o-${Date.now().toString(36)}`
      precis.identify(`customer:${email}`, { email })
      precis.track('Order Completed', {
        order_id: orderId,
        revenue: total,
        currency: 'USD',
        products,
      })
      writeCart([])
      box.replaceChildren(el('p', { id: 'thanks' }, `Thank you! Order ${orderId} is on its way.`))
    })
    box.append(form)
    precis.track('Cart Viewed', { value: total, products: lines.map((l) => l.sku) })
  },
}

const main = document.querySelector('main[data-page]')
pages[main.dataset.page]?.(main)
renderCartCount()
