// Per-token ID token validation speed in Node, warm.
//
// One RSA-2048 key pair (WebCrypto) signs one realistic NHS login ID token
// (RS512). Each contender validates it: RS512 signature against the JWKS, iss,
// aud, exp, iat, nonce and vot. Every contender first has to accept the good
// token and reject a forged payload, a wrong nonce, an unsatisfied vot and an
// expired token, so none of them is timed doing less than the others.
//
// Method: a warm-up, then BATCHES rounds; in each round every contender runs
// one batch of ITERS sequentially awaited validations, in round-robin order
// (the starting contender rotates) so machine noise hits all alike. Reported:
// the median over batches of the per-batch mean µs/op, and the min–max spread.
//
// Usage: node benches/speed.mjs   (env: BENCH_BATCHES=15 BENCH_ITERS=200 BENCH_WARMUP=200)
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

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
const { checkVot } = await import('./flows/nhs.js');
const rsaGlue = await import(pathToFileURL(join(RSA_DIR, 'nhs_login.js')).href);
await rsaGlue.default({ module_or_path: readFileSync(join(RSA_DIR, 'nhs_login_bg.wasm')) });

// ---- the token --------------------------------------------------------------

const ISSUER = 'https://auth.login.nhs.uk';
const CLIENT = 'bench-client';
const VTR = ['P9.Cp.Cd', 'P9.Cm'];
const NOW = Math.floor(Date.now() / 1000); // fixed for the run; the token is valid at it
const SKEW = 60;
const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };
const enc = new TextEncoder();
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
// Keys, signing and the claim set are the package tests' own.
const { makeKey, sign, baseClaims } = await import('../pkg/test/helpers.js');

// Two keys in the JWKS (as around a rotation); the token is signed with the second.
const jwkExtra = { use: 'sig', alg: 'RS512' };
const [oldKey, key] = [await makeKey('nhs-login-2024', jwkExtra), await makeKey('nhs-login-2025', jwkExtra)];
const jwks = { keys: [oldKey.jwk, key.jwk] };
const nonce = b64u(crypto.getRandomValues(new Uint8Array(32)));
const claims = (over = {}) => baseClaims({ aud: CLIENT, exp: NOW + 3600, iat: NOW, auth_time: NOW - 5, nonce, ...over });
const token = await sign(key, claims());
const opts = { clientId: CLIENT, jwks, nonce, vtr: VTR, now: NOW, clockSkewSeconds: SKEW };

// ---- the contenders ---------------------------------------------------------

// (1) The floor: what a hand-written validator minimally costs. The CryptoKey
// is imported once; per token: split, base64url decode, header/payload
// JSON.parse, crypto.subtle.verify and the same claim checks.
const floorKeys = new Map();
for (const jwk of jwks.keys) floorKeys.set(jwk.kid, await crypto.subtle.importKey('jwk', jwk, ALG, false, ['verify']));
async function floor(idToken, { clientId, nonce, vtr, now, clockSkewSeconds: skew }) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  if (header.alg !== 'RS512') throw new Error('alg');
  const cryptoKey = floorKeys.get(header.kid);
  if (!cryptoKey) throw new Error('kid');
  if (!(await crypto.subtle.verify(ALG, cryptoKey, Buffer.from(s, 'base64url'), Buffer.from(`${h}.${p}`)))) throw new Error('signature');
  const c = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (c.iss !== ISSUER) throw new Error('iss');
  if (c.aud !== clientId) throw new Error('aud');
  if (!(typeof c.exp === 'number' && now < c.exp + skew)) throw new Error('exp');
  if (!(typeof c.iat === 'number' && c.iat <= now + skew)) throw new Error('iat');
  if (c.nonce !== nonce) throw new Error('nonce');
  checkVot(c.vot, vtr);
  return c;
}

// (3) Our pure-Rust variant: RS512 in wasm, the keyset parsed once. The wasm
// boundary takes a JSON options object and answers {"ok": claims} or {"error": {...}}.
const rustKeyset = new rsaGlue.Keyset(JSON.stringify(jwks));
async function rust(idToken, { clientId, nonce, vtr, now, clockSkewSeconds }) {
  const r = JSON.parse(rsaGlue.validate_in_rust(idToken, rustKeyset, JSON.stringify({ issuer: ISSUER, clientId, nonce, vtr, now, clockSkewSeconds })));
  if (r.error) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.ok;
}

const contenders = [
  { name: 'floor: crypto.subtle.verify + hand checks', run: floor },
  { name: 'ours: validateIdToken (WebCrypto)', run: ours.validate },
  { name: 'ours: validate_in_rust (pure-Rust RSA in wasm)', run: rust },
  { name: 'jose: jwtVerify + createLocalJWKSet', run: joseFlow.validate },
  { name: 'oauth4webapi: processAuthorizationCodeResponse + validateApplicationLevelSignature', run: o4w.validate },
];

// ---- correctness first ------------------------------------------------------

// The good token's header and signature over a different payload (another NHS number).
const [h0, , s0] = token.split('.');
const forged = `${h0}.${b64u(enc.encode(JSON.stringify(claims({ nhs_number: '9000000017' }))))}.${s0}`;
const bad = [
  ['forged payload', forged, opts],
  ['wrong nonce', token, { ...opts, nonce: 'another-nonce' }],
  ['vot not satisfied', await sign(key, claims({ vot: 'P5.Cp.Cd' })), opts],
  ['expired', await sign(key, claims({ exp: NOW - 3600, iat: NOW - 7200 })), opts],
];
for (const c of contenders) {
  const got = await c.run(token, opts);
  if (got.sub !== claims().sub || got.nhs_number !== '9000000009') throw new Error(`${c.name}: wrong claims ${JSON.stringify(got)}`);
  for (const [what, t, o] of bad) {
    let rejected = false;
    try {
      await c.run(t, o);
    } catch {
      rejected = true;
    }
    if (!rejected) throw new Error(`${c.name}: accepted a token with ${what}`);
  }
}

// ---- timing -----------------------------------------------------------------

async function batch(run, iters) {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await run(token, opts);
  return ((performance.now() - t0) * 1000) / iters; // µs per op
}
for (const c of contenders) await batch(c.run, WARMUP);

const samples = contenders.map(() => []);
for (let b = 0; b < BATCHES; b++) {
  for (let k = 0; k < contenders.length; k++) {
    const i = (b + k) % contenders.length; // rotate who goes first
    samples[i].push(await batch(contenders[i].run, ITERS));
  }
}

// ---- report -----------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const us = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const stats = samples.map((s) => ({ median: median(s), min: Math.min(...s), max: Math.max(...s) }));
const floorMedian = stats[0].median;

console.log('## ID token validation speed (Node, warm, per token)\n');
console.log(`${process.version} (${process.platform}/${process.arch}), ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism?.() ?? os.cpus().length}; ` +
  `RSA-2048 RS512 token of ${token.length} bytes, JWKS of ${jwks.keys.length} keys; ` +
  `warm-up ${WARMUP}, then ${BATCHES} round-robin batches × ${ITERS} sequential validations each. ` +
  'All contenders accepted the good token and rejected forged/wrong-nonce/vot/expired ones.\n');
console.log('| contender | median µs/op | × floor | spread (min–max of batch means, µs) |');
console.log('|---|---:|---:|---:|');
contenders.forEach((c, i) => {
  const s = stats[i];
  console.log(`| ${c.name} | ${us(s.median)} | ${(s.median / floorMedian).toFixed(2)}× | ${us(s.min)}–${us(s.max)} |`);
});
