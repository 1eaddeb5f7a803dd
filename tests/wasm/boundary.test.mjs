// The generated sides of the wasm boundary. wasm-boundary.js (the numbers) is written at build time
// from the C++ table and core's name functions: here it is checked against the enums as declared
// in the headers. wasm_names.mjs (the minified import/export names) must refuse a shadow build that
// names a shared export differently from the plain build, since engine.js serves both.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir, repoRoot } from './helpers.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-boundary-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const generated = (file) => {
  const p = path.join(packageDir, file);
  if (!existsSync(p)) throw new Error(`the wasm package is not built: ${p} is missing`);
  return p;
};
const boundary = async () => import(pathToFileURL(generated('wasm-boundary.js')).href);

// The enumerators of `enum class <name> ... { ... };` in a header, in declaration order.
function enumerators(header, name) {
  const text = readFileSync(path.join(repoRoot, header), 'utf8');
  const start = text.indexOf(`enum class ${name} `);
  assert.ok(start >= 0, `enum class ${name} in ${header}`);
  const body = text.slice(text.indexOf('{', start) + 1, text.indexOf('}', start)).replace(/\/\/.*$/gm, '');
  return body.split(',').map((s) => s.trim().replace(/\s*=.*$/, '')).filter(Boolean);
}

test('Boundary_StatesAndEventTypes_FollowTheEnumsInClientHpp', async () => {
  const b = await boundary();
  assert.deepEqual(b.STATES, enumerators('core/include/iotlite/mqtt/client.hpp', 'State'));
  const types = enumerators('core/include/iotlite/mqtt/client.hpp', 'Type');
  assert.ok(types.length >= 12, `parsed ${types.length} Event::Type values`);
  types.forEach((t, i) => assert.equal(b[`EV_${t.toUpperCase()}`], i, `EV_${t.toUpperCase()}`));
});

test('Boundary_ShadowEnums_FollowTheEnumsInTheShadowHeaders', async () => {
  const b = await boundary();
  const types = enumerators('core/include/iotlite/services/shadow/shadow_client.hpp', 'Type');
  types.forEach((t, i) => assert.equal(b[`SH_EV_${t.toUpperCase()}`], i, `SH_EV_${t.toUpperCase()}`));
  const ops = enumerators('core/include/iotlite/services/shadow/names.hpp', 'Operation');
  ops.forEach((o, i) => assert.equal(b[`SH_OP_${o.toUpperCase()}`], i, `SH_OP_${o.toUpperCase()}`));
  assert.deepEqual(b.SH_STREAMS, enumerators('core/include/iotlite/services/shadow/names.hpp', 'Stream'));
});

// Runs wasm_names.mjs for the shadow build against `base` (a plain build's names file).
function shadowNames(base, out) {
  const plain = readFileSync(generated('wasm-names.js'), 'utf8');
  const own = readFileSync(generated('wasm-names-shadow.js'), 'utf8');
  const wanted = [...plain.matchAll(/export const FN_(\w+) =/g)].map((m) => `_iot_${m[1].toLowerCase()}`)
    .concat([...own.matchAll(/"(sh_\w+)":/g)].map((m) => `_iot_${m[1]}`));
  assert.ok(wanted.length > 30, `${wanted.length} exports`);
  // The shadow build's Emscripten glue, next to the package in the wasm build tree.
  const glue = path.join(path.dirname(packageDir), 'iotlite-shadow.js');
  if (!existsSync(glue)) throw new Error(`the wasm build is not there: ${glue} is missing`);
  return spawnSync(process.execPath, [path.join(repoRoot, 'wasm/tools/wasm_names.mjs'), `--base=${base}`, glue, out, ...wanted],
    { encoding: 'utf8', timeout: 30000 });
}

test('WasmNames_ShadowBuildAgainstThePlainNames_WritesOnlyItsOwnFunctions', async () => {
  const out = path.join(dir, 'own.js');
  const r = shadowNames(generated('wasm-names.js'), out);
  assert.equal(r.status, 0, r.stderr);
  const own = (await import(pathToFileURL(out).href)).default;
  assert.ok(Object.keys(own).length > 0);
  for (const k of Object.keys(own)) assert.match(k, /^sh_/);
  assert.equal(readFileSync(out, 'utf8'), readFileSync(generated('wasm-names-shadow.js'), 'utf8'));
});

test('WasmNames_ShadowBuildNamesASharedExportDifferently_Fails', () => {
  const plain = readFileSync(generated('wasm-names.js'), 'utf8');
  const poll = /export const FN_POLL = "(\w+)";/.exec(plain);
  assert.ok(poll, 'FN_POLL in wasm-names.js');
  const base = path.join(dir, 'renamed.js');
  writeFileSync(base, plain.replace(poll[0], `export const FN_POLL = "${poll[1]}0";`));
  const out = path.join(dir, 'refused.js');
  const r = shadowNames(base, out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`FN_POLL is "${poll[1]}" here but "${poll[1]}0" in`));
  assert.ok(!existsSync(out), 'nothing written');
});
