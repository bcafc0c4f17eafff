'use strict';
// Compares persona's verdicts with ajv's (tests/e2e/schema_ajv.sh).
//
//   node judge.js SOURCE_DIR LIBRARY_DIR PERSONA_JSON [GENERATED_DIR]
//
// LIBRARY_DIR is the library persona validated; PERSONA_JSON its `validate --format json`
// document. Each file is judged by ajv (draft-07, its default options: patterns with the `u`
// flag, lengths in code points, strict numbers) against the schema of its kind, read as YAML
// 1.2 core schema by the yaml package, and by persona: a file satisfies its schema for persona
// when none of its diagnostics has a code starting with "schema" (schema::verdict_codes(); the
// unit tests hold that table to that prefix). The verdicts must be the same for every file.
// Files persona refuses as unreadable YAML (yaml-*) are not judged, but none of GENERATED_DIR's
// may be among them. Prints one line per disagreement and "N passed, N failed".
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const Ajv = require('ajv');

const [src, library, personaJson, generated] = process.argv.slice(2);
if (!src || !library || !personaJson) {
  console.error('usage: node judge.js SOURCE_DIR LIBRARY_DIR PERSONA_JSON [GENERATED_DIR]');
  process.exit(2);
}

const ajv = new Ajv({ allErrors: true });
const validators = {};
for (const kind of ['persona', 'library', 'record']) {
  const file = path.join(src, 'schema', `${kind}.schema.json`);
  validators[kind] = ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
}
function kindOf(rel) {
  if (rel === 'library.yaml') return 'library';
  if (rel.startsWith('personas/')) return 'persona';
  if (rel.startsWith('contributions/')) return 'record';
  return null;
}
function yamlFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...yamlFiles(dir, r));
    else if (e.name.endsWith('.yaml')) out.push(r);
  }
  return out.sort();
}

const report = JSON.parse(fs.readFileSync(personaJson, 'utf8'));
const byFile = new Map();
for (const d of report.diagnostics) {
  if (!byFile.has(d.file)) byFile.set(d.file, []);
  byFile.get(d.file).push(d);
}
const generatedRel = generated
  ? path.relative(library, generated).split(path.sep).join('/') + '/'
  : null;

let passed = 0;
let failed = 0;
let refused = 0;
let generatedJudged = 0;
function fail(message) {
  ++failed;
  console.log(`FAIL ${message}`);
}
for (const rel of yamlFiles(library)) {
  const kind = kindOf(rel);
  if (!kind) continue;
  const isGenerated = generatedRel !== null && rel.startsWith(generatedRel);
  const diagnostics = byFile.get(rel) || [];
  const unreadable = diagnostics.filter((d) => d.code.startsWith('yaml-'));
  if (unreadable.length > 0) {
    ++refused;
    const why = `${unreadable[0].message} [${unreadable[0].code}]`;
    if (isGenerated) fail(`${rel}: persona refuses a generated file: ${why}`);
    continue;
  }
  let data;
  try {
    data = YAML.parse(fs.readFileSync(path.join(library, rel), 'utf8'));
  } catch (e) {
    fail(`${rel}: persona reads it but the yaml package does not: ${e.message.split('\n')[0]}`);
    continue;
  }
  const validate = validators[kind];
  const ajvValid = validate(data);
  const schemaProblems = diagnostics.filter((d) => d.code.startsWith('schema'));
  const personaValid = schemaProblems.length === 0;
  if (isGenerated) ++generatedJudged;
  if (ajvValid === personaValid) {
    ++passed;
    continue;
  }
  const said = personaValid
    ? 'persona: valid'
    : `persona: ${schemaProblems.map((d) => `${d.message} [${d.code}]`).join('; ')}`;
  const ajvSaid = ajvValid
    ? 'ajv: valid'
    : `ajv: ${validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`;
  fail(`${rel} (${kind}): ${said} | ${ajvSaid}`);
}
console.log(`schema_ajv: ${refused} files refused as unreadable YAML (not judged), ` +
            `${generatedJudged} generated files judged`);
if (generated && generatedJudged < 100) {
  fail(`only ${generatedJudged} generated files judged, fewer than 100`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
