// The demo catalogue. Prices in USD.
export const PRODUCTS = [
  {
    sku: 'tent-2p',
    name: 'Trailhead 2-person tent',
    category: 'outdoor',
    price: 189,
    blurb: 'Light, quick to pitch, stormproof.',
  },
  {
    sku: 'pack-38',
    name: 'Ridge 38 L backpack',
    category: 'outdoor',
    price: 129,
    blurb: 'Carries a weekend, fits a cabin bin.',
  },
  {
    sku: 'lamp-h',
    name: 'Lumen head torch',
    category: 'outdoor',
    price: 39,
    blurb: '400 lumens, USB-C, red night mode.',
  },
  {
    sku: 'pan-28',
    name: 'Carbon steel pan 28 cm',
    category: 'kitchen',
    price: 59,
    blurb: 'Seasons like cast iron at half the weight.',
  },
  {
    sku: 'knife-c',
    name: "Chef's knife 20 cm",
    category: 'kitchen',
    price: 94,
    blurb: 'Hand-sharpened, balanced at the bolster.',
  },
  {
    sku: 'kettle-g',
    name: 'Gooseneck kettle',
    category: 'kitchen',
    price: 72,
    blurb: 'Temperature control to the degree.',
  },
]

export const CATEGORIES = {
  outdoor: { title: 'Outdoor', page: 'outdoor.html' },
  kitchen: { title: 'Kitchen', page: 'kitchen.html' },
}

export const bySku = (sku) => PRODUCTS.find((p) => p.sku === sku)
