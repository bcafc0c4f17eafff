'use strict';
// Writes the corpus of the ajv differential test (tests/e2e/schema_ajv.sh): mutations of one
// persona of the bundled library, derived from whatever schema/persona.schema.json says when it
// runs, so that the test follows the persona format as it changes.
//
//   node corpus.js SOURCE_DIR OUT_DIR
//
// Writes OUT_DIR/mNNN-<field>-<what>.yaml and prints the number of files written. Every
// mutation changes one thing: a value of each wrong type, each required field removed, unknown
// keys, strings at their maxLength and one over (counted in code points, with astral emoji,
// two-byte and ASCII characters), empty strings and lists, integral floats and other numbers
// where a number is wanted, and Unicode edges (line and paragraph separators, no-break and
// ideographic spaces, fullwidth and Arabic-Indic digits, combining marks, a final newline)
// against each pattern. Deterministic: no randomness, schema order.
const fs = require('fs');
const path = require('path');
const util = require('util');
const YAML = require('yaml');
const Ajv = require('ajv');

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node corpus.js SOURCE_DIR OUT_DIR');
  process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(path.join(src, 'schema/persona.schema.json'), 'utf8'));

// --- the schema ------------------------------------------------------------------------------

function pointer(ref) {
  if (!ref.startsWith('#/')) throw new Error(`cannot follow $ref ${ref}`);
  const unescape = (k) => k.replace(/~1/g, '/').replace(/~0/g, '~');
  return ref.slice(2).split('/').reduce((s, k) => s[unescape(k)], schema);
}
// A property's schema with its $ref followed; the siblings of $ref (descriptions) kept.
function resolve(s) {
  let out = { ...s };
  for (let guard = 0; out.$ref && guard < 16; ++guard) {
    const { $ref, ...rest } = out;
    out = { ...pointer($ref), ...rest };
  }
  return out;
}
function types(s) {
  if (s.type === undefined) return null;
  return Array.isArray(s.type) ? s.type : [s.type];
}
function accepts(s, type) {
  const t = types(s);
  return t === null || t.includes(type) || (type === 'integer' && t.includes('number'));
}

// --- the persona mutated ---------------------------------------------------------------------

function personaFiles(dir) {
  const found = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...personaFiles(p));
    else if (entry.name.endsWith('.yaml')) found.push(p);
  }
  return found;
}
// The first persona of the library that the schema accepts, so that each mutation is the one
// change that matters; the first persona when none is accepted.
const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(schema);
const files = personaFiles(path.join(src, 'personas'));
if (files.length === 0) throw new Error(`no persona files under ${src}/personas`);
const basePath = files.find((f) => validate(YAML.parse(fs.readFileSync(f, 'utf8')))) || files[0];
const base = YAML.parseDocument(fs.readFileSync(basePath, 'utf8'));
const baseData = base.toJS();

// --- values ----------------------------------------------------------------------------------

const ASTRAL = '\u{1F680}'; // ROCKET: four bytes in UTF-8, a surrogate pair in UTF-16
const TWO_BYTES = '\u00e9';

// Sets the value at `at` as a new node: the old node's style (a literal block, say) could not
// hold every new value.
function put(doc, at, value) {
  doc.setIn(at, YAML.isNode(value) ? value : doc.createNode(value));
}
function float(doc, value) {
  const n = doc.createNode(value);
  n.minFractionDigits = 1; // 2 -> "2.0"
  return n;
}
function formatted(doc, value, format) {
  const n = doc.createNode(value);
  n.format = format;
  return n;
}
// A string of exactly `length` code points: `start`'s first ones, then `pad`.
function ofLength(start, length, pad) {
  const chars = Array.from(String(start ?? '')).slice(0, length);
  while (chars.length < length) chars.push(pad);
  return chars.join('');
}
// Strings that sit at the edges of what a pattern may mean. NEL (U+0085) is not among them: a
// C1 control, persona refuses it in any value, raw or escaped (yaml-control-character).
function unicodeEdges(value) {
  const v = String(value ?? 'x');
  const arabic = v.replace(/[0-9]/g, (d) => String.fromCodePoint(0x660 + Number(d)));
  const fullwidth = v.replace(/[0-9]/g, (d) => String.fromCodePoint(0xff10 + Number(d)));
  return [
    ['final-newline', v + '\n'],
    ['line-separator', v + '\u2028'],
    ['paragraph-separator', '\u2029' + v],
    ['no-break-space', '\u00a0' + v],
    ['ideographic-space', v + '\u3000'],
    ['byte-order-mark', '\ufeff' + v],
    ['zero-width-joiner', v + '\u200d'],
    ['combining-acute', v + '\u0301'],
    ['astral-last', Array.from(v).slice(0, -1).join('') + ASTRAL],
    ['two-byte-first', TWO_BYTES + Array.from(v).slice(1).join('')],
    ['upper-case', v.toUpperCase()],
    ['arabic-indic-digits', arabic],
    ['fullwidth-digits', fullwidth],
    ['trailing-space', v + ' '],
  ].filter(([, s], i, all) => s !== v && all.findIndex(([, t]) => t === s) === i);
}

// --- mutations -------------------------------------------------------------------------------

const mutations = []; // [name, (doc) => void]
function add(name, change) {
  mutations.push([name, change]);
}
const WRONG = [
  ['integer', 7],
  ['number', 2.5],
  ['boolean', true],
  ['null', null],
  ['array', ['x']],
  ['object', { a: 'b' }],
  ['string', 'text'],
];

function numberMutations(key, s, at) {
  const lo = typeof s.minimum === 'number' ? s.minimum : 1;
  add(`${key}-integral-float`, (d) => put(d, at, float(d, lo)));
  add(`${key}-integral-float-big`, (d) => put(d, at, float(d, lo + 41)));
  add(`${key}-fraction`, (d) => put(d, at, lo + 0.5));
  add(`${key}-exponent`, (d) => put(d, at, formatted(d, 1000, 'EXP')));
  add(`${key}-hex`, (d) => put(d, at, formatted(d, 31, 'HEX')));
  add(`${key}-octal`, (d) => put(d, at, formatted(d, 15, 'OCT')));
  add(`${key}-past-64-bits`, (d) => put(d, at, 1e20));
  add(`${key}-infinity`, (d) => put(d, at, Infinity));
  add(`${key}-minus-infinity`, (d) => put(d, at, -Infinity));
  add(`${key}-nan`, (d) => put(d, at, NaN));
  add(`${key}-quoted`, (d) => put(d, at, String(lo)));
  if (typeof s.minimum === 'number') {
    add(`${key}-minimum-float`, (d) => put(d, at, float(d, s.minimum)));
    add(`${key}-below-minimum`, (d) => put(d, at, s.minimum - 1));
    add(`${key}-below-minimum-float`, (d) => put(d, at, float(d, s.minimum - 1)));
  }
  if (typeof s.maximum === 'number') {
    add(`${key}-maximum-float`, (d) => put(d, at, float(d, s.maximum)));
    add(`${key}-above-maximum`, (d) => put(d, at, s.maximum + 1));
  }
}

function stringMutations(key, s, at, current) {
  if (typeof s.minLength === 'number' && s.minLength > 0) {
    add(`${key}-empty`, (d) => put(d, at, ''));
    const short = ofLength(current, s.minLength - 1, TWO_BYTES);
    add(`${key}-below-min-length`, (d) => put(d, at, short));
  }
  add(`${key}-blank`, (d) => put(d, at, '   '));
  if (typeof s.maxLength === 'number') {
    for (const [pad, name] of [[ASTRAL, 'astral'], [TWO_BYTES, 'two-byte'], ['a', 'ascii']]) {
      const atLimit = ofLength(current, s.maxLength, pad);
      const over = ofLength(current, s.maxLength + 1, pad);
      add(`${key}-max-length-${name}`, (d) => put(d, at, atLimit));
      add(`${key}-over-max-length-${name}`, (d) => put(d, at, over));
    }
  }
  if (typeof s.pattern === 'string') {
    for (const [name, value] of unicodeEdges(current)) {
      add(`${key}-${name}`, (d) => put(d, at, value));
    }
  }
  if (Array.isArray(s.enum)) add(`${key}-not-in-enum`, (d) => put(d, at, `${current}-other`));
}

function valueMutations(key, s, at, current) {
  for (const [type, value] of WRONG) {
    if (!accepts(s, type)) add(`${key}-type-${type}`, (d) => put(d, at, value));
  }
  if (accepts(s, 'number') || accepts(s, 'integer')) numberMutations(key, s, at);
  if (accepts(s, 'string')) {
    stringMutations(key, s, at, typeof current === 'string' ? current : 'text');
  }
}

function listMutations(key, s, current) {
  const list = Array.isArray(current) ? current : [];
  add(`${key}-empty-list`, (d) => d.set(key, d.createNode([])));
  if (list.length > 0) {
    add(`${key}-duplicate-item`, (d) => d.set(key, d.createNode([...list, list[0]])));
  }
  if (typeof s.maxItems === 'number') {
    const items = (n) => Array.from({ length: n }, (_, i) => `item-${i + 1}`);
    add(`${key}-max-items`, (d) => d.set(key, d.createNode(items(s.maxItems))));
    add(`${key}-over-max-items`, (d) => d.set(key, d.createNode(items(s.maxItems + 1))));
  }
  if (s.items && !Array.isArray(s.items) && list.length > 0) {
    valueMutations(`${key}.0`, resolve(s.items), [key, 0], list[0]);
  }
}

const props = Object.entries(schema.properties || {});
for (const [key, raw] of props) {
  const s = resolve(raw);
  if (accepts(s, 'array') && types(s) !== null) listMutations(key, s, baseData[key]);
  valueMutations(key, s, [key], baseData[key]);
}
for (const key of schema.required || []) add(`missing-${key}`, (d) => d.delete(key));
add('unknown-key', (d) => d.set('unknown_field', 'x'));
if (props.length > 0) {
  const first = props[0][0];
  add('typo-key', (d) => d.set(`${first}s`, 'x'));
  add('upper-case-key', (d) => d.set(first.toUpperCase(), 'x'));
}
add('non-ascii-key', (d) => d.set('na\u00efve', 'x'));
add('astral-key', (d) => d.set(ASTRAL, 'x'));

// --- writing ---------------------------------------------------------------------------------

// libyaml reads NEL, LS and PS as line breaks (YAML 1.1) and the yaml package as text (1.2), and
// persona refuses a raw U+FEFF past the start of a file: they are written as the escapes both read
// alike, inside double quotes.
const BREAKS = /[\u0085\u2028\u2029\ufeff]/;
function quoteBreaks(doc) {
  YAML.visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && BREAKS.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
}
function text(doc) {
  return doc
    .toString({ lineWidth: 0 })
    .replace(/\u0085/g, '\\N')
    .replace(/\u2028/g, '\\L')
    .replace(/\u2029/g, '\\P')
    .replace(/\ufeff/g, '\\uFEFF');
}

fs.mkdirSync(out, { recursive: true });
const seen = new Set();
let n = 0;
for (const [name, change] of mutations) {
  const doc = base.clone();
  change(doc);
  quoteBreaks(doc);
  const body = text(doc);
  // The file must hold what the mutation meant: the yaml package reads it back as such.
  if (!util.isDeepStrictEqual(YAML.parse(body), doc.toJS())) {
    throw new Error(`${name}: the YAML written does not read back as the value meant`);
  }
  if (seen.has(body)) continue; // two names for one change: one file
  seen.add(body);
  ++n;
  const file = `m${String(n).padStart(3, '0')}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`;
  fs.writeFileSync(path.join(out, file), body);
}
console.log(n);
