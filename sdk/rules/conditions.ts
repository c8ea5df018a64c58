/**
 * Targeting conditions in MongoDB query syntax (`{ country: { $in: ['FR', 'DE'] }, 'app.version':
 * { $vgte: '2.1.0' } }`), evaluated against a user's attributes.
 *
 * The semantics are exactly those of GrowthBook's `evalCondition` (@growthbook/growthbook 1.8.0,
 * src/mongrule.ts), quirks included, so conditions written in GrowthBook's UI mean the same here;
 * conditions.compat.test.ts checks this row by row and by fuzzing. Two deliberate differences:
 * - Where GrowthBook throws (a null sub-condition, a cyclic value compared as JSON, runaway nesting),
 *   this returns false: a malformed rule matches nobody, and nothing ever throws.
 * - `$regex` patterns are cached by pattern and flag; GrowthBook's cache lets a non-string pattern,
 *   or a pattern ending in `/i`, reuse an unrelated earlier regex.
 */

type V = unknown
type O = Record<string, V>
type Seen = Set<string>

/** A condition: attribute paths (`"a.b.c"`) or `$and $or $nor $not $savedGroup` as keys. */
export type Condition = Record<string, unknown>

/** A saved group as GrowthBook sends it: a bare list of values (v1), or a v2 entry. */
export type SavedGroupEntry =
  | { type: 'list'; attributeKey: string; values: unknown[] }
  | { type: 'condition'; condition: Condition }
export type SavedGroups = Record<string, unknown[] | SavedGroupEntry>

const isArr = Array.isArray

/** Whether `attributes` satisfy `condition`; `savedGroups` resolves `$inGroup`, `$savedGroup`. */
export const evalCondition = (
  attributes: Record<string, unknown>,
  condition: Condition,
  savedGroups?: SavedGroups,
): boolean => {
  try {
    return cond(attributes, condition, (savedGroups || {}) as O, new Set())
  } catch {
    return false
  }
}

// Any element of an array-like passes `f`. Index loops, like GrowthBook's: a hole reads as undefined.
const some = (list: V, f: (x: V) => boolean): boolean => {
  for (let i = 0; i < (list as V[]).length; i++) if (f((list as V[])[i])) return true
  return false
}

// Object.entries, as GrowthBook: a number condition has no keys (so passes), a string's are its indexes.
const cond = (obj: V, c: V, g: O, seen: Seen): boolean =>
  Object.entries(c as O).every(([k, v]) => {
    const each = (x: V) => cond(obj, x, g, seen)
    switch (k) {
      // An empty $or passes (so an empty $nor fails), where MongoDB would reject both.
      case '$or':
        return !(v as V[]).length || some(v, each)
      case '$nor':
        return !(!(v as V[]).length || some(v, each))
      case '$and':
        return !some(v, (x) => !each(x))
      case '$not':
        return !each(v)
      case '$savedGroup':
        return group(obj, v, g, seen)
      // Any other key, `$`-prefixed or not, is an attribute path.
      default:
        return value(v, path(obj, k), g, false, seen)
    }
  })

// Missing is null, not undefined. `in` also sees inherited keys (`constructor`, `__proto__`), as
// GrowthBook does; it is read-only, so no pollution, but `{ constructor: { $exists: true } }` passes.
const path = (obj: V, p: string): V => {
  let cur = obj
  for (const k of p.split('.')) {
    if (!cur || typeof cur !== 'object' || !(k in cur)) return null
    cur = (cur as O)[k]
  }
  return cur
}

// A value against a condition value: a scalar or non-operator object compares, `{ $op: arg }` applies.
const value = (c: V, v: V, g: O, i: boolean, seen: Seen): boolean => {
  // Scalars compare by coercion: a missing attribute (null) equals 0 and "null", 1 and "1" equal,
  // ['a'] equals 'a' (but ['a', 'b'] equals only 'a,b'), and 'false' is true.
  // `+ ''`, not String() or a template: objects convert through valueOf first, as in GrowthBook.
  // biome-ignore lint/style/useTemplate: a template literal converts through toString first
  if (typeof c === 'string') return i ? String(v).toLowerCase() === c.toLowerCase() : (v as string) + '' === c
  if (typeof c === 'number') return (v as number) * 1 === c
  if (typeof c === 'boolean') return v !== null && !!v === c
  if (c === null) return v === null
  // Arrays and plain objects compare as JSON, so key order and element order matter.
  if (isArr(c) || !isOp(c)) return JSON.stringify(v) === JSON.stringify(c)
  for (const op in c as O) if (!operator(op, v, (c as O)[op], g, seen)) return false
  return true
}

// Only when every key starts with `$`: `{ $gt: 1, b: 2 }` is a plain object compared as JSON.
const isOp = (c: V): boolean => {
  const keys = Object.keys(c as O)
  return keys.length > 0 && keys.every((k) => k[0] === '$')
}

const fold = (v: V) => (typeof v === 'string' ? v.toLowerCase() : v)

// An array attribute is in the list if any element is. `includes`, so NaN is in [NaN] (not for $ini).
const isIn = (a: V, list: V[], i?: boolean): boolean =>
  (isArr(a) ? a : [a]).some((x) => (i ? list.some((y) => fold(y) === fold(x)) : list.includes(x)))

// An unknown id is an empty list (so $notInGroup passes everyone, as in GrowthBook); a malformed or
// condition-type entry is no list at all, so both $inGroup and $notInGroup fail.
const groupList = (e: V): V[] | null =>
  e === undefined
    ? []
    : isArr(e)
      ? e
      : e && typeof e === 'object' && (e as O).type === 'list' && isArr((e as O).values)
        ? ((e as O).values as V[])
        : null

// `$savedGroup: { id, attributeKey? }`. `seen` stops condition groups that refer to each other.
const group = (obj: V, ref: V, g: O, seen: Seen): boolean => {
  if (!ref || typeof ref !== 'object' || isArr(ref)) return false
  const { id, attributeKey } = ref as O
  if (typeof id !== 'string' || seen.has(id)) return false
  if (attributeKey !== undefined && typeof attributeKey !== 'string') return false
  const e = g[id] as O
  if (!e || typeof e !== 'object' || isArr(e)) return false
  if (e.type === 'list') {
    const key = attributeKey ?? e.attributeKey
    return typeof key === 'string' && isArr(e.values) && isIn(path(obj, key), e.values)
  }
  return (
    e.type === 'condition' &&
    !!e.condition &&
    typeof e.condition === 'object' &&
    cond(obj, e.condition, g, new Set(seen).add(id))
  )
}

// GrowthBook's paddedVersionString: drop a leading `v` and `+build`, split on `.` and `-`, add `~`
// (sorts last) to a bare x.y.z so 1.0.0 > 1.0.0-beta, pad numbers so 10 > 9. Compared as strings,
// so '1.2' and '1.2.0' differ, and anything not a string or number is '0'.
const ver = (v: V): string => {
  const p = (typeof v === 'number' ? `${v}` : v && typeof v === 'string' ? v : '0')
    .replace(/(^v|\+.*$)/g, '')
    .split(/[-.]/)
  if (p.length === 3) p.push('~')
  return p.map((x) => (/^\d+$/.test(x) ? x.padStart(5) : x)).join('-')
}

const cache = new Map<string, RegExp>()

// A bad pattern fails only its own operator (GrowthBook catches here), so `$not` of it passes.
// The attribute is stringified, so a missing one is "null". GrowthBook escapes unescaped `/` first,
// which changes nothing for the RegExp constructor without the u flag, so that step is left out.
const regex = (p: V, flags: string, a: V): boolean => {
  if (typeof p !== 'string') return false
  const key = flags + p
  try {
    let r = cache.get(key)
    if (!r) {
      r = new RegExp(p, flags)
      if (cache.size >= 100) cache.delete(cache.keys().next().value!)
      cache.set(key, r)
    }
    return r.test(a as string)
  } catch {
    return false
  }
}

const type = (v: V): string => {
  const t = typeof v
  return v === null
    ? 'null'
    : isArr(v)
      ? 'array'
      : t === 'function' || t === 'symbol' || t === 'bigint'
        ? 'unknown'
        : t
}

const operator = (op: string, a: V, e: V, g: O, seen: Seen): boolean => {
  const i = op.endsWith('i')
  switch (op) {
    case '$veq':
      return ver(a) === ver(e)
    case '$vne':
      return ver(a) !== ver(e)
    case '$vgt':
      return ver(a) > ver(e)
    case '$vgte':
      return ver(a) >= ver(e)
    case '$vlt':
      return ver(a) < ver(e)
    case '$vlte':
      return ver(a) <= ver(e)
    case '$eq':
      return a === e
    case '$ne':
      return a !== e
    // Plain JS comparison: 9 < '10' numerically, '9' > '10' as strings, null < 1 as 0 < 1.
    case '$lt':
      return (a as number) < (e as number)
    case '$lte':
      return (a as number) <= (e as number)
    case '$gt':
      return (a as number) > (e as number)
    case '$gte':
      return (a as number) >= (e as number)
    case '$exists':
      return e ? a != null : a == null
    case '$in':
    case '$ini':
      return isArr(e) && isIn(a, e, i)
    case '$nin':
    case '$nini':
      return isArr(e) && !isIn(a, e, i)
    case '$inGroup':
    case '$notInGroup': {
      const list = groupList(g[e as string])
      return !!list && isIn(a, list) === (op === '$inGroup')
    }
    case '$not':
      return !value(e, a, g, false, seen)
    case '$size':
      return isArr(a) && value(e, a.length, g, false, seen)
    case '$elemMatch': {
      if (!isArr(a)) return false
      const o = isOp(e)
      // `{ $gt: 1 }` tests elements themselves, `{ price: 1 }` their fields; null elements never match.
      return some(a, (x) => x != null && (o ? value(e, x, g, false, seen) : cond(x, e, g, seen)))
    }
    case '$all':
    case '$alli':
      // Each item (a value or a condition) must match some element; $alli folds case of strings only.
      return isArr(e) && isArr(a) && !some(e, (x) => !some(a, (y) => value(x, y, g, i, seen)))
    case '$regex':
    case '$regexi':
      return regex(e, i ? 'i' : '', a)
    case '$type':
      return type(a) === e
    // GrowthBook also logs unknown operators with console.error; nothing is logged here.
    default:
      return false
  }
}
