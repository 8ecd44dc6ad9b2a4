// Per-token ID token validation speed in Node, warm. The token, the floor, the
// correctness gate and the timing method are benches/speed-harness.js (shared
// with benches/speed-browser.mjs, the same in headless Chromium); this file adds
// the Node-only contender (the pure-Rust RSA variant of the wasm).
//
// Usage: node benches/speed.mjs   (env: BENCH_BATCHES=15 BENCH_ITERS=200 BENCH_WARMUP=200)
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const BATCHES = Number(process.env.BENCH_BATCHES ?? 15);
const ITERS = Number(process.env.BENCH_ITERS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);

const RSA_DIR = join(here, 'out', 'rsa');
for (const f of [join(root, 'pkg', 'wasm', 'nhs_login_bg.wasm'), join(RSA_DIR, 'nhs_login_bg.wasm'), join(RSA_DIR, 'nhs_login.js')]) {
  if (!existsSync(f)) {
    console.error(`error: ${f} is missing; run benches/run.sh (it builds the rsa variant after make build).`);
    process.exit(1);
  }
}

// The package's wasm as built by `make build` must instantiate, or there is nothing to measure.
const { checkExternrefExport } = await import('./wasm-tables.mjs');
const pkgProblem = checkExternrefExport(readFileSync(join(root, 'pkg', 'wasm', 'nhs_login_bg.wasm')));
if (pkgProblem) {
  console.error(`error: pkg/wasm/nhs_login_bg.wasm cannot be loaded: ${pkgProblem}.\n` +
    'Rebuild it with a binaryen that does not have the bug, or without wasm-opt, or repair it with `node benches/wasm-tables.mjs fix pkg/wasm/nhs_login_bg.wasm`.');
  process.exit(1);
}

const ours = await import('./flows/ours.js');
const joseFlow = await import('./flows/jose.js');
const o4w = await import('./flows/oauth4webapi.js');
const rsaGlue = await import(pathToFileURL(join(RSA_DIR, 'nhs_login.js')).href);
await rsaGlue.default({ module_or_path: readFileSync(join(RSA_DIR, 'nhs_login_bg.wasm')) });

// ---- the token, the floor and the contenders ----------------------------------

const h = await import('./speed-harness.js');
const run = await h.setup({ decode: (s) => Buffer.from(s, 'base64url') });
const { token, jwks } = run;

// Our pure-Rust variant: RS512 in wasm, the keyset parsed once. The wasm
// boundary takes a JSON options object and answers {"ok": claims} or {"error": {...}}.
const rustKeyset = new rsaGlue.Keyset(JSON.stringify(jwks));
async function rust(idToken, { clientId, nonce, vtr, now, clockSkewSeconds }) {
  const r = JSON.parse(rsaGlue.validate_in_rust(idToken, rustKeyset, JSON.stringify({ issuer: h.ISSUER, clientId, nonce, vtr, now, clockSkewSeconds })));
  if (r.error) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.ok;
}

const contenders = [
  { name: 'floor: crypto.subtle.verify + hand checks', run: run.floor },
  { name: 'ours: validateIdToken (WebCrypto)', run: ours.validate },
  { name: 'ours: validate_in_rust (pure-Rust RSA in wasm)', run: rust },
  { name: 'jose: jwtVerify + createLocalJWKSet', run: joseFlow.validate },
  { name: 'oauth4webapi: processAuthorizationCodeResponse + validateApplicationLevelSignature', run: o4w.validate },
];

// Correctness first, then timing.
await h.checkContenders(contenders, run);
const samples = await h.measure(contenders, run, { batches: BATCHES, iters: ITERS, warmup: WARMUP });

// ---- report -----------------------------------------------------------------

console.log('## ID token validation speed (Node, warm, per token)\n');
console.log(`${process.version} (${process.platform}/${process.arch}), ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism?.() ?? os.cpus().length}; ` +
  `RSA-2048 RS512 token of ${token.length} bytes, JWKS of ${jwks.keys.length} keys; ` +
  `warm-up ${WARMUP}, then ${BATCHES} round-robin batches × ${ITERS} sequential validations each. ` +
  'All contenders accepted the good token and rejected forged/wrong-nonce/vot/expired ones.\n');
console.log(h.table(contenders.map((c) => c.name), samples));
