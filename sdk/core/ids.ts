/** Fills a byte array with random values (crypto.getRandomValues in browsers). */
export type RandomBytes = (bytes: Uint8Array) => Uint8Array

/** A random (version 4) UUID: 122 random bits, so collisions are not a practical concern. */
export const uuid = (random: RandomBytes): string => {
  const b = random(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  let hex = ''
  for (const byte of b) hex += (byte + 0x100).toString(16).slice(1)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
