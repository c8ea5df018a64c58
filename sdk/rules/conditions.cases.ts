// The spec table for conditions.ts, shared by conditions.test.ts (expected values) and
// conditions.compat.test.ts (GrowthBook must agree with every row, except the few it throws on).
import type { Condition, SavedGroups } from './conditions.ts'

export type Case = [
  description: string,
  condition: Condition,
  attributes: Record<string, unknown>,
  expected: boolean,
  savedGroups?: SavedGroups,
]

/** Inputs no type allows, as hostile callers or bad payloads send them. */
const raw = (x: unknown) => x as Condition
const rawAttrs = (x: unknown) => x as Record<string, unknown>

const nest = (depth: number, leaf: Condition, wrap: (c: Condition) => Condition) => {
  let c = leaf
  for (let i = 0; i < depth; i++) c = wrap(c)
  return c
}

const cyclicCondition: Condition = {}
cyclicCondition.$not = cyclicCondition
const cyclicAttrs: Record<string, unknown> = { name: 'x' }
cyclicAttrs.self = cyclicAttrs

const groups: SavedGroups = {
  beta: ['u1', 'u2', 3],
  empty: [],
  listV2: { type: 'list', attributeKey: 'id', values: ['u9', 'u10'] },
  frenchV2: { type: 'condition', condition: { country: 'FR' } },
  loopA: { type: 'condition', condition: { $savedGroup: { id: 'loopB' } } },
  loopB: { type: 'condition', condition: { $savedGroup: { id: 'loopA' } } },
  broken: raw({ type: 'list', attributeKey: 'id', values: 'u1' }) as never,
  future: raw({ type: 'cohort', values: ['u1'] }) as never,
}

/** Rows whose expected value is false only because GrowthBook throws on them (we never throw). */
export const GROWTHBOOK_THROWS = new Set<string>()
const throws = (description: string) => {
  GROWTHBOOK_THROWS.add(description)
  return description
}

export const CASES: Case[] = [
  // Equality and coercion of scalar condition values
  ['string equals', { country: 'FR' }, { country: 'FR' }, true],
  ['string differs', { country: 'FR' }, { country: 'DE' }, false],
  ['string is case-sensitive', { country: 'FR' }, { country: 'fr' }, false],
  ['number equals', { age: 30 }, { age: 30 }, true],
  ['number matches numeric string (coerced with *1)', { age: 30 }, { age: '30' }, true],
  ['string matches number (coerced with +"")', { age: '30' }, { age: 30 }, true],
  ['number does not match other string', { age: 30 }, { age: '30a' }, false],
  ['missing attribute equals 0 (null*1 is 0)', { n: 0 }, {}, true],
  ['missing attribute equals "null"', { n: 'null' }, {}, true],
  ['missing attribute does not equal ""', { n: '' }, {}, false],
  ['boolean true equals true', { on: true }, { on: true }, true],
  ['boolean true matches truthy 1', { on: true }, { on: 1 }, true],
  ['boolean true matches the string "false"', { on: true }, { on: 'false' }, true],
  ['boolean false matches 0', { on: false }, { on: 0 }, true],
  ['boolean false never matches a missing attribute', { on: false }, {}, false],
  ['boolean false matches an explicit undefined', { on: false }, { on: undefined }, true],
  ['null condition matches a missing attribute', { x: null }, {}, true],
  ['null condition matches null', { x: null }, { x: null }, true],
  ['null condition does not match explicit undefined', { x: null }, { x: undefined }, false],
  ['null condition does not match 0', { x: null }, { x: 0 }, false],
  ['empty condition passes', {}, { a: 1 }, true],
  ['several keys are all required', { a: 1, b: 2 }, { a: 1, b: 3 }, false],

  // Arrays and objects as condition values compare as JSON
  ['array condition equals the same array', { tags: ['a', 'b'] }, { tags: ['a', 'b'] }, true],
  ['array condition is order-sensitive', { tags: ['a', 'b'] }, { tags: ['b', 'a'] }, false],
  ['object condition equals the same object', { o: { x: 1, y: 2 } }, { o: { x: 1, y: 2 } }, true],
  ['object condition is key-order-sensitive', { o: { x: 1, y: 2 } }, { o: { y: 2, x: 1 } }, false],
  ['mixed $ and plain keys is a plain object', { o: { $gt: 1, b: 2 } }, { o: 5 }, false],
  ['mixed keys compare as JSON', { o: { $gt: 1, b: 2 } }, { o: { $gt: 1, b: 2 } }, true],
  ['empty object condition equals {}', { o: {} }, { o: {} }, true],
  ['empty object condition does not match missing', { o: {} }, {}, false],

  // Array attributes against scalar conditions: GrowthBook coerces, it does not test each element
  ['one-element array equals its string', { tags: 'a' }, { tags: ['a'] }, true],
  ['two-element array does not equal one element', { tags: 'a' }, { tags: ['a', 'b'] }, false],
  ['two-element array equals its joined string', { tags: 'a,b' }, { tags: ['a', 'b'] }, true],
  ['one-element array equals its number', { n: 5 }, { n: [5] }, true],
  ['two-element array is NaN as a number', { n: 5 }, { n: [5, 6] }, false],
  ['array attribute with $eq is identity', { tags: { $eq: 'a' } }, { tags: ['a'] }, false],

  // Dot paths
  [
    'dot path into nested objects',
    { 'user.address.city': 'Paris' },
    { user: { address: { city: 'Paris' } } },
    true,
  ],
  ['dot path stops at a missing level', { 'user.address.city': null }, { user: {} }, true],
  [
    'dot path through a scalar is missing',
    { 'user.name.first': { $exists: false } },
    { user: { name: 'x' } },
    true,
  ],
  ['dot path indexes arrays', { 'items.1': 'b' }, { items: ['a', 'b'] }, true],
  ['dot path reads array length', { 'items.length': 2 }, { items: ['a', 'b'] }, true],
  ['dot path does not read string length', { 's.length': { $exists: true } }, { s: 'abc' }, false],
  ['literal dotted key is not reachable', { 'a.b': 1 }, { 'a.b': 1 }, false],
  ['empty path segment', { 'a.': 1 }, { a: { '': 1 } }, true],

  // $eq $ne $lt $lte $gt $gte
  ['$eq is strict', { a: { $eq: 1 } }, { a: 1 }, true],
  ['$eq does not coerce', { a: { $eq: 1 } }, { a: '1' }, false],
  ['$ne differs', { a: { $ne: 1 } }, { a: 2 }, true],
  ['$ne on missing attribute', { a: { $ne: null } }, {}, false],
  ['$lt numbers', { a: { $lt: 10 } }, { a: 9 }, true],
  ['$lte equal', { a: { $lte: 10 } }, { a: 10 }, true],
  ['$gt numbers', { a: { $gt: 10 } }, { a: 10 }, false],
  ['$gte numbers', { a: { $gte: 10 } }, { a: 10 }, true],
  ['$gt number vs numeric string compares numerically', { a: { $gt: '10' } }, { a: 9 }, false],
  ['$gt strings compare lexically', { a: { $gt: '10' } }, { a: '9' }, true],
  ['$lt on a missing attribute is null < 5', { a: { $lt: 5 } }, {}, true],
  ['$gt with a non-numeric string is false', { a: { $gt: 1 } }, { a: 'abc' }, false],
  ['$gt and $lt together form a range', { a: { $gt: 1, $lt: 5 } }, { a: 3 }, true],
  ['$gte dates as ISO strings', { d: { $gte: '2024-01-01' } }, { d: '2024-06-30' }, true],

  // $in $nin $ini $nini
  ['$in scalar', { c: { $in: ['FR', 'DE'] } }, { c: 'DE' }, true],
  ['$in scalar absent', { c: { $in: ['FR', 'DE'] } }, { c: 'IT' }, false],
  ['$in is strict (no number/string coercion)', { n: { $in: [1, 2] } }, { n: '1' }, false],
  ['$in array attribute intersects', { tags: { $in: ['x', 'b'] } }, { tags: ['a', 'b'] }, true],
  ['$in array attribute without intersection', { tags: { $in: ['x'] } }, { tags: ['a', 'b'] }, false],
  ['$in empty list', { c: { $in: [] } }, { c: 'FR' }, false],
  ['$in with a non-array argument is false', { c: { $in: 'FR' } }, { c: 'FR' }, false],
  ['$in with null matches missing', { c: { $in: [null] } }, {}, true],
  ['$nin absent', { c: { $nin: ['FR'] } }, { c: 'DE' }, true],
  ['$nin present', { c: { $nin: ['FR'] } }, { c: 'FR' }, false],
  ['$nin array attribute intersects', { tags: { $nin: ['b'] } }, { tags: ['a', 'b'] }, false],
  ['$nin with a non-array argument is false', { c: { $nin: 'FR' } }, { c: 'DE' }, false],
  ['$ini ignores case', { c: { $ini: ['fr', 'DE'] } }, { c: 'Fr' }, true],
  ['$ini array attribute ignores case', { tags: { $ini: ['B'] } }, { tags: ['a', 'b'] }, true],
  ['$ini keeps numbers strict', { n: { $ini: ['1'] } }, { n: 1 }, false],
  ['$nini ignores case', { c: { $nini: ['fr'] } }, { c: 'FR' }, false],
  ['$nini absent', { c: { $nini: ['fr'] } }, { c: 'DE' }, true],
  ['$ini with a non-array argument is false', { c: { $ini: 'fr' } }, { c: 'fr' }, false],

  // $all $alli
  ['$all every item present', { tags: { $all: ['a', 'b'] } }, { tags: ['b', 'c', 'a'] }, true],
  ['$all an item missing', { tags: { $all: ['a', 'd'] } }, { tags: ['a', 'b'] }, false],
  ['$all empty list on an array', { tags: { $all: [] } }, { tags: ['a'] }, true],
  ['$all on a non-array attribute', { tags: { $all: ['a'] } }, { tags: 'a' }, false],
  ['$all with a non-array argument', { tags: { $all: 'a' } }, { tags: ['a'] }, false],
  ['$all items may be conditions', { n: { $all: [{ $gt: 5 }, { $lt: 2 }] } }, { n: [1, 9] }, true],
  ['$all coerces like equality', { n: { $all: [1] } }, { n: ['1'] }, true],
  ['$all is case-sensitive', { tags: { $all: ['A'] } }, { tags: ['a'] }, false],
  ['$alli ignores case', { tags: { $alli: ['A', 'b'] } }, { tags: ['a', 'B'] }, true],
  ['$alli an item missing', { tags: { $alli: ['A', 'z'] } }, { tags: ['a', 'B'] }, false],

  // $elemMatch $size
  [
    '$elemMatch on objects',
    { items: { $elemMatch: { price: { $gt: 10 }, sku: 'x' } } },
    {
      items: [
        { price: 5, sku: 'x' },
        { price: 20, sku: 'x' },
      ],
    },
    true,
  ],
  [
    '$elemMatch on objects needs one element to match all',
    { items: { $elemMatch: { price: { $gt: 10 }, sku: 'y' } } },
    {
      items: [
        { price: 20, sku: 'x' },
        { price: 5, sku: 'y' },
      ],
    },
    false,
  ],
  ['$elemMatch on scalars', { n: { $elemMatch: { $gt: 5 } } }, { n: [1, 7] }, true],
  ['$elemMatch on scalars, none match', { n: { $elemMatch: { $gt: 5 } } }, { n: [1, 2] }, false],
  ['$elemMatch tests 0', { n: { $elemMatch: { $eq: 0 } } }, { n: [0] }, true],
  ['$elemMatch skips null elements', { n: { $elemMatch: { $exists: false } } }, { n: [null] }, false],
  ['$elemMatch on a non-array', { n: { $elemMatch: { $gt: 5 } } }, { n: 7 }, false],
  [
    '$elemMatch on scalar elements with a field condition',
    { n: { $elemMatch: { a: null } } },
    { n: [1] },
    true,
  ],
  ['$size number', { tags: { $size: 2 } }, { tags: ['a', 'b'] }, true],
  ['$size wrong number', { tags: { $size: 3 } }, { tags: ['a', 'b'] }, false],
  ['$size with a nested condition', { tags: { $size: { $gte: 1 } } }, { tags: ['a'] }, true],
  ['$size with a nested condition failing', { tags: { $size: { $gt: 0 } } }, { tags: [] }, false],
  ['$size on a string', { s: { $size: 2 } }, { s: 'ab' }, false],
  ['$size on a missing attribute', { s: { $size: 0 } }, {}, false],

  // $exists $type
  ['$exists true present', { a: { $exists: true } }, { a: 0 }, true],
  ['$exists true empty string', { a: { $exists: true } }, { a: '' }, true],
  ['$exists true missing', { a: { $exists: true } }, {}, false],
  ['$exists true null', { a: { $exists: true } }, { a: null }, false],
  ['$exists true explicit undefined', { a: { $exists: true } }, { a: undefined }, false],
  ['$exists false missing', { a: { $exists: false } }, {}, true],
  ['$exists false present', { a: { $exists: false } }, { a: false }, false],
  ['$exists with a truthy non-boolean', { a: { $exists: 1 } }, { a: 1 }, true],
  ['$type string', { a: { $type: 'string' } }, { a: '' }, true],
  ['$type number', { a: { $type: 'number' } }, { a: 1.5 }, true],
  ['$type boolean', { a: { $type: 'boolean' } }, { a: false }, true],
  ['$type array', { a: { $type: 'array' } }, { a: [] }, true],
  ['$type object', { a: { $type: 'object' } }, { a: {} }, true],
  ['$type object is not array', { a: { $type: 'object' } }, { a: [] }, false],
  ['$type null', { a: { $type: 'null' } }, { a: null }, true],
  ['$type of a missing attribute is null', { a: { $type: 'null' } }, {}, true],
  ['$type undefined needs an explicit undefined', { a: { $type: 'undefined' } }, { a: undefined }, true],
  ['$type undefined is not missing', { a: { $type: 'undefined' } }, {}, false],
  ['$type unknown for functions', { a: { $type: 'unknown' } }, { a: () => 1 }, true],
  ['$type unknown for bigint', { a: { $type: 'unknown' } }, { a: 1n }, true],
  ['$type with an unknown name', { a: { $type: 'date' } }, { a: '2024-01-01' }, false],

  // $regex $regexi
  ['$regex matches', { url: { $regex: '^https?://x\\.com/' } }, { url: 'https://x.com/a' }, true],
  ['$regex does not match', { url: { $regex: '^https://' } }, { url: 'http://x.com' }, false],
  ['$regex is case-sensitive', { s: { $regex: 'abc' } }, { s: 'ABC' }, false],
  ['$regex with slashes', { p: { $regex: 'a/b//c' } }, { p: 'xa/b//c' }, true],
  ['$regex with an escaped slash', { p: { $regex: 'a\\/b' } }, { p: 'a/b' }, true],
  ['$regex invalid pattern is false', { s: { $regex: '(' } }, { s: '(' }, false],
  ['$not of an invalid pattern passes', { s: { $not: { $regex: '[' } } }, { s: 'x' }, true],
  ['$regex non-string pattern is false', { s: { $regex: 12345 } }, { s: '12345' }, false],
  ['$regex stringifies numbers', { n: { $regex: '^12' } }, { n: 123 }, true],
  ['$regex stringifies a missing attribute to "null"', { s: { $regex: '^null$' } }, {}, true],
  ['$regex stringifies arrays', { t: { $regex: '^a,b$' } }, { t: ['a', 'b'] }, true],
  ['$regexi ignores case', { s: { $regexi: 'abc' } }, { s: 'xABCx' }, true],
  ['$regexi does not match', { s: { $regexi: '^abc$' } }, { s: 'abcd' }, false],
  ['$regexi invalid pattern is false', { s: { $regexi: '*' } }, { s: '*' }, false],

  // $not $and $or $nor
  ['$not on a value', { a: { $not: { $gt: 5 } } }, { a: 3 }, true],
  ['$not on a value failing', { a: { $not: { $gt: 5 } } }, { a: 7 }, false],
  ['$not with a scalar', { a: { $not: 'x' } }, { a: 'y' }, true],
  ['$not at the top level', { $not: { a: 1 } }, { a: 2 }, true],
  ['$not at the top level failing', { $not: { a: 1 } }, { a: 1 }, false],
  ['$and all pass', { $and: [{ a: 1 }, { b: 2 }] }, { a: 1, b: 2 }, true],
  ['$and one fails', { $and: [{ a: 1 }, { b: 2 }] }, { a: 1, b: 3 }, false],
  ['$and empty passes', { $and: [] }, {}, true],
  ['$or one passes', { $or: [{ a: 1 }, { b: 2 }] }, { a: 0, b: 2 }, true],
  ['$or none passes', { $or: [{ a: 1 }, { b: 2 }] }, { a: 0, b: 0 }, false],
  ['$or empty passes', { $or: [] }, {}, true],
  ['$nor none passes', { $nor: [{ a: 1 }, { b: 2 }] }, { a: 0, b: 0 }, true],
  ['$nor one passes', { $nor: [{ a: 1 }, { b: 2 }] }, { a: 1 }, false],
  ['$nor empty fails', { $nor: [] }, {}, false],
  ['$or with a non-array argument passes (no length)', raw({ $or: { a: 1 } }), { a: 2 }, true],
  ['nested logic', { $or: [{ $and: [{ a: 1 }, { $not: { b: 2 } }] }, { c: 3 }] }, { a: 1, b: 5 }, true],
  ['logic next to a path', { a: 1, $or: [{ b: 1 }, { c: 1 }] }, { a: 1, c: 1 }, true],

  // $veq $vne $vgt $vgte $vlt $vlte
  ['$veq same version', { v: { $veq: '1.2.3' } }, { v: '1.2.3' }, true],
  ['$veq ignores a v prefix', { v: { $veq: '1.2.3' } }, { v: 'v1.2.3' }, true],
  ['$veq keeps a capital V', { v: { $veq: '1.2.3' } }, { v: 'V1.2.3' }, false],
  ['$veq ignores build metadata', { v: { $veq: '1.2.3+build.7' } }, { v: '1.2.3' }, true],
  ['$veq: 1.2 is not 1.2.0', { v: { $veq: '1.2.0' } }, { v: '1.2' }, false],
  ['$veq number and string', { v: { $veq: '2' } }, { v: 2 }, true],
  ['$vne differs', { v: { $vne: '1.2.3' } }, { v: '1.2.4' }, true],
  ['$vgt pads numbers (1.10 > 1.9)', { v: { $vgt: '1.9.0' } }, { v: '1.10.0' }, true],
  ['$vgt release after prerelease', { v: { $vgt: '1.0.0-beta' } }, { v: '1.0.0' }, true],
  ['$vlt alpha before beta', { v: { $vlt: '1.0.0-beta' } }, { v: '1.0.0-alpha' }, true],
  ['$vlt prerelease numbers are padded', { v: { $vlt: '1.0.0-beta.11' } }, { v: '1.0.0-beta.2' }, true],
  ['$vgte equal', { v: { $vgte: '2.0.0' } }, { v: 'v2.0.0+abc' }, true],
  ['$vlte lower major', { v: { $vlte: '2.0.0' } }, { v: '1.99.99' }, true],
  ['$vgt missing attribute is version 0', { v: { $vgt: '0.0.1' } }, {}, false],
  ['$vlt missing attribute is below 0.0.1', { v: { $vlt: '0.0.1' } }, {}, true],
  ['$vgte range', { v: { $vgte: '1.0.0', $vlt: '2.0.0' } }, { v: '1.5.0' }, true],

  // $inGroup $notInGroup $savedGroup
  ['$inGroup v1 list member', { id: { $inGroup: 'beta' } }, { id: 'u2' }, true, groups],
  ['$inGroup v1 list non-member', { id: { $inGroup: 'beta' } }, { id: 'u7' }, false, groups],
  ['$inGroup is strict', { id: { $inGroup: 'beta' } }, { id: '3' }, false, groups],
  ['$inGroup array attribute intersects', { id: { $inGroup: 'beta' } }, { id: ['x', 'u1'] }, true, groups],
  ['$inGroup v2 list entry', { uid: { $inGroup: 'listV2' } }, { uid: 'u10' }, true, groups],
  ['$inGroup unknown group', { id: { $inGroup: 'nope' } }, { id: 'u1' }, false, groups],
  ['$notInGroup unknown group passes everyone', { id: { $notInGroup: 'nope' } }, { id: 'u1' }, true, groups],
  ['$inGroup without saved groups', { id: { $inGroup: 'beta' } }, { id: 'u1' }, false],
  ['$notInGroup member', { id: { $notInGroup: 'beta' } }, { id: 'u1' }, false, groups],
  ['$notInGroup non-member', { id: { $notInGroup: 'beta' } }, { id: 'u5' }, true, groups],
  ['$notInGroup empty group', { id: { $notInGroup: 'empty' } }, { id: 'u5' }, true, groups],
  ['$inGroup malformed entry', { id: { $inGroup: 'broken' } }, { id: 'u1' }, false, groups],
  [
    '$notInGroup malformed entry matches nobody',
    { id: { $notInGroup: 'broken' } },
    { id: 'u5' },
    false,
    groups,
  ],
  [
    '$notInGroup condition group matches nobody',
    { id: { $notInGroup: 'frenchV2' } },
    { id: 'u5' },
    false,
    groups,
  ],
  ['$inGroup "__proto__" group', { id: { $inGroup: '__proto__' } }, { id: 'u1' }, false, groups],
  ['$savedGroup list uses its attribute', { $savedGroup: { id: 'listV2' } }, { id: 'u9' }, true, groups],
  [
    '$savedGroup list with attributeKey override',
    { $savedGroup: { id: 'listV2', attributeKey: 'o' } },
    { id: 'u9', o: 'u10' },
    true,
    groups,
  ],
  ['$savedGroup v1 list is not usable', { $savedGroup: { id: 'beta' } }, { id: 'u1' }, false, groups],
  ['$savedGroup condition group', { $savedGroup: { id: 'frenchV2' } }, { country: 'FR' }, true, groups],
  [
    '$savedGroup condition group failing',
    { $savedGroup: { id: 'frenchV2' } },
    { country: 'DE' },
    false,
    groups,
  ],
  ['$savedGroup groups referring to each other', { $savedGroup: { id: 'loopA' } }, {}, false, groups],
  ['$savedGroup unknown id', { $savedGroup: { id: 'nope' } }, {}, false, groups],
  ['$savedGroup unknown type', { $savedGroup: { id: 'future' } }, { id: 'u1' }, false, groups],
  ['$savedGroup with a bad reference', raw({ $savedGroup: 'listV2' }), { id: 'u9' }, false, groups],
  [
    '$savedGroup with a bad attributeKey',
    raw({ $savedGroup: { id: 'listV2', attributeKey: 1 } }),
    { id: 'u9' },
    false,
    groups,
  ],

  // Unknown operators
  ['unknown operator is false', raw({ a: { $foo: 1 } }), { a: 1 }, false],
  ['unknown operator next to a passing one', raw({ a: { $eq: 1, $where: 'x' } }), { a: 1 }, false],
  ['$not of an unknown operator passes', raw({ a: { $not: { $foo: 1 } } }), { a: 1 }, true],
  ['MongoDB $mod is unknown', raw({ a: { $mod: [2, 0] } }), { a: 4 }, false],
  ['unknown top-level $ key is an attribute path', raw({ $where: 'x' }), { $where: 'x' }, true],

  // Hostile and malformed inputs: never throw
  ['inherited keys resolve: constructor exists', { constructor: { $exists: true } }, {}, true],
  ['inherited keys resolve: toString is a function', { toString: { $type: 'unknown' } }, {}, true],
  [
    'own "__proto__" attribute key',
    JSON.parse('{"__proto__.admin": true}'),
    JSON.parse('{"__proto__": {"admin": true}}'),
    true,
  ],
  [
    '"__proto__" condition key reads the prototype',
    JSON.parse('{"__proto__": {"$type": "object"}}'),
    {},
    true,
  ],
  ['"__proto__.admin" is not polluted', JSON.parse('{"__proto__.admin": true}'), {}, false],
  ['objects convert through valueOf', { a: '1' }, { a: { valueOf: () => 1, toString: () => 'x' } }, true],
  ['null attributes', { a: null }, rawAttrs(null), true],
  ['string attributes', { length: { $exists: true } }, rawAttrs('abc'), false],
  ['null-prototype attributes', { a: 1 }, Object.assign(Object.create(null), { a: 1 }), true],
  ['number condition has no keys, so passes', raw(5), {}, true],
  ['string condition tests index keys', raw('ab'), { 0: 'a', 1: 'b' }, true],
  [throws('null condition'), raw(null), {}, false],
  [throws('undefined condition'), raw(undefined), {}, false],
  [throws('$not null'), raw({ $not: null }), {}, false],
  [throws('$and with a null element'), raw({ $and: [null] }), {}, false],
  [throws('$or null'), raw({ $or: null }), {}, false],
  [throws('undefined condition value'), raw({ a: undefined }), { a: 1 }, false],
  [throws('$elemMatch null on an array'), raw({ a: { $elemMatch: null } }), { a: [1] }, false],
  ['$elemMatch null on a non-array', raw({ a: { $elemMatch: null } }), { a: 1 }, false],
  [throws('cyclic condition'), cyclicCondition, {}, false],
  [throws('cyclic attributes compared as JSON'), { self: { name: 'x' } }, cyclicAttrs, false],
  ['cyclic attributes through a path', { 'self.self.self.name': 'x' }, cyclicAttrs, true],
  [throws('symbol attribute against a string'), { a: 'x' }, { a: Symbol('x') }, false],
  ['symbol attribute against a regex', { a: { $regex: 'x' } }, { a: Symbol('x') }, false],
  [throws('bigint attribute against a number'), { a: 1 }, { a: 1n }, false],
  [throws('object without toString against a string'), { a: 'x' }, { a: Object.create(null) }, false],
  [throws('100,000 nested $not'), nest(100_000, { a: 1 }, (c) => ({ $not: c })), { a: 1 }, false],
  ['1,000 nested $and', nest(1000, { a: 1 }, (c) => ({ $and: [c] })), { a: 1 }, true],
  ['a deep dot path', { [Array(5000).fill('a').join('.')]: null }, { a: { a: 1 } }, true],
]
