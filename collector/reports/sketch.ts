// A HyperLogLog sketch (Flajolet et al. 2007, with the small-range correction of linear counting,
// and HLL++'s sparse start): distinct counts that add up across hours, so a month's visitors are
// the union of its hours' sketches instead of a scan of every visit. Up to 1,024 values it keeps
// their hashes, so small counts are exact; beyond, 4,096 one-byte registers: about 1.6 % standard
// error whatever the count. Pure; the stores keep sketches deflated.
import { deflateRawSync, inflateRawSync } from 'node:zlib'

/** log2 of the number of registers. */
const BITS = 12
const M = 1 << BITS
const ALPHA = 0.7213 / (1 + 1.079 / M)

/**
 * Up to this many distinct values a sketch keeps their hashes (exact but for 32-bit collisions,
 * about one in 8,000 at this size), which take no more room than the registers.
 */
const SPARSE_MAX = 1024

/** Hashes while few (`registers` null); registers once more (`hashes` null). Mutable. */
export interface Sketch {
  hashes: Set<number> | null
  registers: Uint8Array | null
}

export const newSketch = (): Sketch => ({ hashes: new Set(), registers: null })

/**
 * MurmurHash3's 32-bit mixing over the string's UTF-16 code units, two to a block: well mixed, which
 * HyperLogLog needs (every bit a coin flip), and fast. Ids are the store's pseudonyms, which a
 * visitor cannot choose, so nobody can aim collisions at a count.
 */
export const hash32 = (text: string): number => {
  let h = 0x9747b28c
  for (let i = 0; i < text.length; i += 2) {
    let k = text.charCodeAt(i) | ((i + 1 < text.length ? text.charCodeAt(i + 1) : 0) << 16)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  h ^= text.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The register the hash's first BITS bits name keeps the longest run of leading zeros after them, plus one. */
const addToRegisters = (registers: Uint8Array, h: number) => {
  const register = h >>> (32 - BITS)
  const rank = Math.min(Math.clz32((h << BITS) >>> 0) + 1, 32 - BITS + 1)
  if (rank > registers[register]!) registers[register] = rank
}

const registersOf = (sketch: Sketch): Uint8Array => {
  if (sketch.registers) return sketch.registers
  const registers = new Uint8Array(M)
  for (const h of sketch.hashes!) addToRegisters(registers, h)
  sketch.registers = registers
  sketch.hashes = null
  return registers
}

const addHash = (sketch: Sketch, h: number) => {
  if (sketch.hashes) {
    sketch.hashes.add(h)
    if (sketch.hashes.size > SPARSE_MAX) registersOf(sketch)
  } else addToRegisters(sketch.registers!, h)
}

export const addToSketch = (sketch: Sketch, value: string) => addHash(sketch, hash32(value))

/** The union: `into` then counts what either counted. */
export const mergeInto = (into: Sketch, from: Sketch) => {
  if (from.hashes) for (const h of from.hashes) addHash(into, h)
  else {
    const mine = registersOf(into)
    const theirs = from.registers!
    for (let i = 0; i < M; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!
  }
}

/** The number of distinct values added: counted while few, else estimated and rounded. */
export const estimate = (sketch: Sketch): number => {
  if (sketch.hashes) return sketch.hashes.size
  const registers = sketch.registers!
  let sum = 0
  let zeros = 0
  for (let i = 0; i < M; i++) {
    sum += 2 ** -registers[i]!
    if (registers[i] === 0) zeros++
  }
  const raw = (ALPHA * M * M) / sum
  // Small counts: linear counting over the empty registers is the better estimate.
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros))
  return Math.round(raw)
}

/** As a store keeps it: a kind byte (0 hashes, 1 registers) and the values, deflated. */
export const encodeSketch = (sketch: Sketch): Uint8Array => {
  if (sketch.registers) return deflateRawSync(Buffer.concat([Buffer.of(1), sketch.registers]))
  const hashes = new Uint32Array([...sketch.hashes!].sort((a, b) => a - b))
  return deflateRawSync(Buffer.concat([Buffer.of(0), Buffer.from(hashes.buffer)]))
}

/** A stored sketch back; anything that is not one is refused rather than miscounted. */
export const decodeSketch = (stored: Uint8Array): Sketch => {
  const bytes = inflateRawSync(stored)
  const body = bytes.subarray(1)
  if (bytes[0] === 1 && body.length === M) return { hashes: null, registers: new Uint8Array(body) }
  if (bytes[0] === 0 && body.length % 4 === 0 && body.length / 4 <= SPARSE_MAX) {
    const hashes = new Uint32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length))
    return { hashes: new Set(hashes), registers: null }
  }
  throw new Error('not a stored sketch')
}
