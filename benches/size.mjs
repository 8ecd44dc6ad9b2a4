// Bundle size of the same SPA flow (benches/flows/*.js) built four ways.
//
// Each flow is bundled by esbuild as an app would ship it (ESM, minified,
// browser target) and measured raw, gzip -9 and brotli q11. Our package also
// ships a .wasm file, which esbuild leaves as a separate asset (referenced with
// `new URL(..., import.meta.url)`), so its JS, wasm and total are reported
// separately. Prints a markdown table to stdout.
//
// Usage: node benches/size.mjs   (from anywhere; paths are relative to this file)
import { build } from 'esbuild';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import zlib from 'node:zlib';
import { checkExternrefExport } from './wasm-tables.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outDir = join(here, 'out', 'bundles');
const OURS_WASM = join(root, 'pkg', 'wasm', 'nhs_login_bg.wasm');
const RSA_WASM = join(here, 'out', 'rsa', 'nhs_login_bg.wasm');
const TARGET_BROTLI = 15 * 1024; // our budget: JS + wasm, brotli

const FLOWS = [
  { name: 'ours', file: 'ours.js', wasm: OURS_WASM },
  { name: 'jose', file: 'jose.js' },
  { name: 'oauth4webapi', file: 'oauth4webapi.js' },
  { name: 'oidc-client-ts', file: 'oidc-client-ts.js' },
];

if (!existsSync(OURS_WASM)) {
  console.error(`error: ${OURS_WASM} is missing; build the wasm package first (make build).`);
  process.exit(1);
}

/** Sizes of one file's bytes: raw, gzip level 9, brotli quality 11. */
const measure = (buf, text) => ({
  raw: buf.length,
  gzip: zlib.gzipSync(buf, { level: 9 }).length,
  brotli: zlib.brotliCompressSync(buf, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

/** Names and sizes of the custom sections of a wasm binary (e.g. "name"). */
function customSections(buf) {
  const out = [];
  let i = 8; // magic + version
  const leb = () => {
    let r = 0, shift = 0, b;
    do { b = buf[i++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return r;
  };
  while (i < buf.length) {
    const id = buf[i++];
    const len = leb();
    const end = i + len;
    if (id === 0) {
      const n = leb();
      out.push({ name: buf.subarray(i, i + n).toString(), size: len });
    }
    i = end;
  }
  return out;
}

mkdirSync(outDir, { recursive: true });
const rows = [];
for (const f of FLOWS) {
  const outfile = join(outDir, f.file);
  const result = await build({
    entryPoints: [join(here, 'flows', f.file)],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    absWorkingDir: root,
    logLevel: 'warning',
    metafile: true,
  });
  // The flows export their functions, so nothing of the flow may be shaken out.
  const exports = Object.values(result.metafile.outputs)[0].exports;
  if (exports.length === 0) throw new Error(`${f.file}: bundle has no exports`);
  const js = measure(readFileSync(outfile), true);
  const wasm = f.wasm ? measure(readFileSync(f.wasm), false) : undefined;
  rows.push({ name: f.name, js, wasm, total: wasm ? add(js, wasm) : js });
}

const rsa = existsSync(RSA_WASM) ? measure(readFileSync(RSA_WASM), false) : undefined;

// ---- report -----------------------------------------------------------------

const n = (x) => (x === undefined ? '—' : x.toLocaleString('en-GB'));
const kb = (x) => `${(x / 1024).toFixed(1)} KB`;
console.log('## Bundle size (SPA flow: authorize URL + callback + ID token validation)\n');
console.log('esbuild: bundle, minify, format esm, platform browser, target es2022. Bytes; gzip -9, brotli q11. Total = JS + wasm.\n');
console.log('| bundle | JS raw | JS gzip | JS brotli | wasm raw | wasm gzip | wasm brotli | total raw | total gzip | total brotli |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${n(r.js.raw)} | ${n(r.js.gzip)} | ${n(r.js.brotli)} | ${n(r.wasm?.raw)} | ${n(r.wasm?.gzip)} | ${n(r.wasm?.brotli)} | ${n(r.total.raw)} | ${n(r.total.gzip)} | **${n(r.total.brotli)}** |`);
}
if (rsa) console.log(`| ours, \`rsa\` feature wasm (bench only) | — | — | — | ${n(rsa.raw)} | ${n(rsa.gzip)} | ${n(rsa.brotli)} | — | — | — |`);
else console.log('| ours, `rsa` feature wasm (bench only) | not built (run benches/run.sh) | | | | | | | | |');

const ours = rows.find((r) => r.name === 'ours').total.brotli;
console.log('');
for (const other of ['jose', 'oauth4webapi', 'oidc-client-ts']) {
  const o = rows.find((r) => r.name === other).total.brotli;
  console.log(`- ours / ${other} (total brotli): ${(ours / o).toFixed(2)}× (${n(ours)} vs ${n(o)} bytes)`);
}
const verdict = ours <= TARGET_BROTLI ? 'within' : `**over by ${n(ours - TARGET_BROTLI)} bytes**`;
console.log(`- target: ours ≤ ${n(TARGET_BROTLI)} bytes brotli total → ${n(ours)} bytes (${kb(ours)}), ${verdict}`);
for (const [label, file] of [['pkg/wasm', OURS_WASM], ['rsa variant', RSA_WASM]]) {
  if (!existsSync(file)) continue;
  const problem = checkExternrefExport(readFileSync(file));
  if (problem) console.log(`- **warning**: ${label} wasm does not load: ${problem} (its size is still what is measured)`);
  const custom = customSections(readFileSync(file)).filter((s) => s.name === 'name' || s.name.startsWith('.debug'));
  if (custom.length) {
    console.log(`- note: ${label} wasm still carries ${custom.map((s) => `\`${s.name}\` (${n(s.size)} bytes raw)`).join(', ')}; wasm-opt --strip-debug removes it`);
  }
}
