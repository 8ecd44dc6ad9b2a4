// Edge handler speed in Node: nhs-login-client/edge's POST /token against the
// same exchange written by hand on `jose` (benches/flows/edge-jose.js).
//
// Both handlers get the same options and the same injected `fetch`, which
// answers at once: the token endpoint with a canned, valid token response (an
// RS512 ID token pre-signed with a provider key generated here: iss, aud =
// client id, exp, iat, nonce, vot in the configured vtr, jti, sub), the JWKS
// URL with that key. So what is timed is the handler's own work: body checks,
// the RS512 client assertion (private_key_jwt), the ID token validation, the
// AES-GCM session cookie and the JSON answer. Both handlers first have to
// answer 200 with the ID token (their client assertion verified by the fake
// token endpoint) and refuse a wrong redirect_uri (400), a foreign Origin
// (403), a malformed code_verifier (400), a non-JSON body (415), a body over
// 16 KiB (413), a wrong nonce, a forged ID token, an unsatisfied vot and a
// wrong aud (502), and fetch the JWKS once, so none is timed doing less.
//
// 1. Cold start: a fresh `node` per sample (contenders interleaved, starter
//    rotating), timed from just before `await import()` of the handler module
//    to the end of the first /token response body: module load, wasm compile
//    (ours), key import, JWKS parse, first request. Each contender as
//    installed (Node loads the ES modules file by file) and as one esbuild
//    bundle (how edge deployments ship), built into a temp dir. The runtime's
//    own lazy globals (Request, Response, crypto.subtle) are touched before
//    the clock starts; node's start-up is not counted.
// 2. Warm per-request cost: a warm-up, then BATCHES rounds; in each round
//    every contender runs ITERS sequentially awaited requests (Request built,
//    handled, body read), round-robin with the starter rotating. Reported: the
//    median over batches of the per-batch mean µs/request, and the spread; the
//    ratios are also given paired (median over rounds of the same round's
//    ratio), which a noisy, shared machine disturbs less. The floor is the
//    two RSA operations no handler can skip, on pre-encoded bytes:
//    crypto.subtle.sign (RS512, the assertion) + crypto.subtle.verify (the
//    ID token).
//
// Usage: node benches/edge.mjs
//   env: BENCH_COLD_RUNS=15 BENCH_BATCHES=21 BENCH_ITERS=100 BENCH_WARMUP=200
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { measure, median } from './speed-harness.js';

const self = fileURLToPath(import.meta.url);
const here = dirname(self);
const root = join(here, '..');

const CONTENDERS = {
  ours: { label: 'ours: nhs-login-client/edge', module: 'nhs-login-client/edge', factory: 'createEdgeHandler' },
  jose: { label: 'jose: hand-written (flows/edge-jose.js)', module: './flows/edge-jose.js', factory: 'createJoseEdgeHandler' },
};
const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const JSON_TYPE = { 'content-type': 'application/json' };

// ---- shared by parent and child: options, fake upstream, requests -------------

const endpointsOf = (fx) => ({ token: `${fx.issuer}/token`, jwks: `${fx.issuer}/.well-known/jwks.json`, discovery: `${fx.issuer}/.well-known/openid-configuration` });

/**
 * The injected fetch: NHS login answering instantly. `onToken(form)`, when
 * given, sees the parsed token request (the correctness checks verify the
 * client assertion there); otherwise the form is only serialised, as a real
 * fetch would. `calls` counts what was fetched.
 */
function fakeUpstream(fx, { tokenBody = fx.tokenBody, onToken } = {}) {
  const ep = endpointsOf(fx);
  const calls = { token: 0, jwks: 0, discovery: 0, other: 0 };
  const fetch = async (url, init = {}) => {
    const href = String(url);
    if (href === ep.token && init.method === 'POST') {
      calls.token++;
      const text = String(init.body);
      if (onToken) await onToken(new URLSearchParams(text));
      return new Response(tokenBody, { status: 200, headers: JSON_TYPE });
    }
    if (href === ep.jwks) {
      calls.jwks++;
      return new Response(fx.jwksText, { status: 200, headers: { ...JSON_TYPE, 'cache-control': 'public, max-age=3600' } });
    }
    // Our handler reads discovery once, before its first exchange, to check the issuer.
    if (href === ep.discovery) {
      calls.discovery++;
      return new Response(JSON.stringify({ issuer: fx.issuer }), { status: 200, headers: { ...JSON_TYPE, 'cache-control': 'public, max-age=3600' } });
    }
    calls.other++;
    return new Response('{"error":"not_found"}', { status: 404, headers: JSON_TYPE });
  };
  return { fetch, calls };
}

const optionsOf = (fx, fetch, over = {}) => ({
  issuer: fx.issuer,
  clientId: fx.clientId,
  privateKey: fx.pem,
  keyId: fx.kid,
  allowedOrigins: [ORIGIN],
  redirectUris: [REDIRECT],
  cookieSecret: fx.cookieSecret,
  vtr: fx.vtr,
  fetch,
  // The warm loop exchanges thousands of codes from one client: no /token rate limit
  // (the jose hand-written handler has none either).
  rateLimit: false,
  ...over,
});

const tokenRequest = (fx, { body = {}, headers = {}, raw } = {}) =>
  new Request('https://edge.example/auth/token', {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers },
    body: raw ?? JSON.stringify({ code: fx.code, code_verifier: fx.codeVerifier, redirect_uri: REDIRECT, nonce: fx.nonce, ...body }),
  });

// ---- child: one cold start -----------------------------------------------------

if (process.argv[2] === '--cold-child') {
  const [specifier, factory] = process.argv.slice(3);
  const fx = JSON.parse(process.env.EDGE_BENCH_FIXTURE);
  // Lazy runtime globals every handler needs; not either contender's cost.
  void [globalThis.Request, globalThis.Response, globalThis.Headers, globalThis.crypto.subtle];
  const { fetch } = fakeUpstream(fx);
  const request = tokenRequest(fx);
  const t0 = performance.now();
  const mod = await import(specifier);
  const t1 = performance.now();
  const handle = mod[factory](optionsOf(fx, fetch));
  const res = await handle(request);
  const body = await res.json();
  const t2 = performance.now();
  if (res.status !== 200 || body.id_token !== JSON.parse(fx.tokenBody).id_token) {
    console.error(`cold start of ${specifier}: HTTP ${res.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t0 }));
  process.exit(0);
}

// ---- parent ----------------------------------------------------------------------

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 21);
const ITERS = Number(process.env.BENCH_ITERS ?? 100);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);

const wasmFile = join(root, 'pkg', 'wasm', 'nhs_login_bg.wasm');
if (!existsSync(wasmFile)) {
  console.error(`error: ${wasmFile} is missing; build the package first (make build).`);
  process.exit(1);
}
const { checkExternrefExport } = await import('./wasm-tables.mjs');
const wasmProblem = checkExternrefExport(readFileSync(wasmFile));
if (wasmProblem) {
  console.error(`error: pkg/wasm/nhs_login_bg.wasm cannot be loaded: ${wasmProblem}. Repair it with \`node benches/wasm-tables.mjs fix pkg/wasm/nhs_login_bg.wasm\`.`);
  process.exit(1);
}

const { makeClientKey, makeKey, sign, baseClaims, decodeJwt, verifyRs512 } = await import('../pkg/test/helpers.js');
const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };
const enc = new TextEncoder();
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const random = (n = 32) => b64u(crypto.getRandomValues(new Uint8Array(n)));

// ---- the fixture: keys, the canned ID token and token response -----------------

const ISSUER = 'https://auth.login.nhs.uk';
const CLIENT = 'bench-edge-client';
const NOW = Math.floor(Date.now() / 1000);
const clientKey = await makeClientKey('bench-client-key');
const [oldKey, providerKey] = [await makeKey('nhs-login-2024', { alg: 'RS512', use: 'sig' }), await makeKey('nhs-login-2025', { alg: 'RS512', use: 'sig' })];
const nonce = random();
const idClaims = (over = {}) => baseClaims({ aud: CLIENT, exp: NOW + 3600, iat: NOW, auth_time: NOW - 5, jti: crypto.randomUUID(), nonce, ...over });
const idToken = await sign(providerKey, idClaims());
const tokenBodyWith = (id_token) =>
  JSON.stringify({ access_token: random(48), token_type: 'Bearer', expires_in: 3600, scope: 'openid profile', id_token, refresh_token: random(48) });
const fx = {
  issuer: ISSUER,
  clientId: CLIENT,
  pem: clientKey.pem,
  kid: clientKey.kid,
  cookieSecret: random(32),
  vtr: ['P9.Cp.Cd', 'P5.Cp.Cd'],
  nonce,
  code: random(24),
  codeVerifier: random(48),
  jwksText: JSON.stringify({ keys: [oldKey.jwk, providerKey.jwk] }),
  tokenBody: tokenBodyWith(idToken),
};
const ep = endpointsOf(fx);
const modules = {};
const names = Object.keys(CONTENDERS);
for (const [k, c] of Object.entries(CONTENDERS)) modules[k] = (await import(c.module))[c.factory];

// ---- correctness first ------------------------------------------------------------

// The fake token endpoint checks what a provider would: the grant and the
// private_key_jwt assertion (RS512 signature with the client's registered
// public key, iss = sub = client id, aud naming the token endpoint, ≤ 60 s).
function checkTokenRequest(form) {
  const expect = (name, v) => {
    if (form.get(name) !== v) throw new Error(`token request: ${name} = ${form.get(name)}`);
  };
  expect('grant_type', 'authorization_code');
  expect('code', fx.code);
  expect('code_verifier', fx.codeVerifier);
  expect('redirect_uri', REDIRECT);
  expect('client_id', CLIENT);
  expect('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  const assertion = form.get('client_assertion');
  const { header, payload: p } = decodeJwt(assertion);
  const aud = [].concat(p.aud);
  if (header.alg !== 'RS512' || header.kid !== fx.kid) throw new Error(`client assertion header ${JSON.stringify(header)}`);
  if (p.iss !== CLIENT || p.sub !== CLIENT || !aud.includes(ep.token) || typeof p.jti !== 'string' || !(p.exp > Date.now() / 1000) || p.exp - p.iat > 60) {
    throw new Error(`client assertion claims ${JSON.stringify(p)}`);
  }
  return verifyRs512(assertion, clientKey.publicKey).then((ok) => {
    if (!ok) throw new Error('client assertion signature does not verify');
  });
}

const [h0, , s0] = idToken.split('.');
const badTokens = {
  'forged ID token': tokenBodyWith(`${h0}.${b64u(enc.encode(JSON.stringify(idClaims({ nhs_number: '9000000017' }))))}.${s0}`),
  'vot not in vtr': tokenBodyWith(await sign(providerKey, idClaims({ vot: 'P0.Cp' }))),
  'ID token for another client': tokenBodyWith(await sign(providerKey, idClaims({ aud: 'another-client' }))),
};
for (const [name, create] of Object.entries(modules)) {
  const fail = (what, res, body) => {
    throw new Error(`${name}: ${what}: HTTP ${res.status} ${JSON.stringify(body)}`);
  };
  const checked = [];
  const up = fakeUpstream(fx, { onToken: (form) => checked.push(checkTokenRequest(form)) });
  const handle = create(optionsOf(fx, up.fetch));
  for (let i = 0; i < 2; i++) {
    const res = await handle(tokenRequest(fx));
    const body = await res.json();
    if (res.status !== 200 || body.id_token !== idToken || typeof body.access_token !== 'string' || 'refresh_token' in body) fail('good request', res, body);
    if (!/^__Host-nhs-login=[A-Za-z0-9_-]{40,}; Path=\/; Max-Age=[0-9]+; HttpOnly; Secure; SameSite=Strict$/.test(res.headers.get('set-cookie') ?? '')) fail('session cookie', res, res.headers.get('set-cookie'));
    if (res.headers.get('access-control-allow-origin') !== ORIGIN || res.headers.get('cache-control') !== 'no-store') fail('headers', res, Object.fromEntries(res.headers));
  }
  await Promise.all(checked);
  if (checked.length !== 2 || up.calls.jwks !== 1) throw new Error(`${name}: upstream calls ${JSON.stringify(up.calls)} (JWKS must be fetched once and cached)`);

  const refused = [
    ['wrong redirect_uri', 400, tokenRequest(fx, { body: { redirect_uri: 'https://evil.example/callback' } })],
    ['malformed code_verifier', 400, tokenRequest(fx, { body: { code_verifier: 'short' } })],
    ['foreign Origin', 403, tokenRequest(fx, { headers: { origin: 'https://evil.example' } })],
    ['text/plain body', 415, tokenRequest(fx, { headers: { 'content-type': 'text/plain' } })],
    ['body over 16 KiB', 413, tokenRequest(fx, { body: { pad: 'x'.repeat(16 * 1024) } })],
    ['wrong nonce', 502, tokenRequest(fx, { body: { nonce: random() } })],
  ];
  for (const [what, status, req] of refused) {
    const res = await handle(req);
    const body = await res.json();
    if (res.status !== status || typeof body.error !== 'string' || 'id_token' in body || res.headers.get('set-cookie')) fail(`${what} (want ${status})`, res, body);
  }
  for (const [what, tokenBody] of Object.entries(badTokens)) {
    const res = await create(optionsOf(fx, fakeUpstream(fx, { tokenBody }).fetch))(tokenRequest(fx));
    const body = await res.json();
    if (res.status !== 502 || 'id_token' in body || res.headers.get('set-cookie')) fail(`${what} (want 502)`, res, body);
  }
  if (up.calls.token !== 3 || up.calls.other) throw new Error(`${name}: only the wrong nonce may reach the token endpoint: ${JSON.stringify(up.calls)}`);
}

// ---- 1. cold start ------------------------------------------------------------------


// Each contender as installed (unbundled ES modules, as Node runs them), and as
// an edge deployment ships it: one esbuild bundle (minified, ESM). Our bundle
// keeps the package layout (src/ next to wasm/) so it finds its .wasm.
const bundleDir = mkdtempSync(join(os.tmpdir(), 'edge-bench-'));
process.on('exit', () => rmSync(bundleDir, { recursive: true, force: true }));
const esbuild = await import('esbuild');
const bundle = async (entry, outfile) => {
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, minify: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
  return pathToFileURL(outfile).href;
};
mkdirSync(join(bundleDir, 'ours', 'wasm'), { recursive: true });
copyFileSync(wasmFile, join(bundleDir, 'ours', 'wasm', 'nhs_login_bg.wasm'));
const coldContenders = [
  { key: 'ours', label: 'ours: nhs-login-client/edge, as installed', specifier: CONTENDERS.ours.module, factory: CONTENDERS.ours.factory },
  { key: 'jose', label: 'jose: flows/edge-jose.js, as installed', specifier: pathToFileURL(join(here, CONTENDERS.jose.module)).href, factory: CONTENDERS.jose.factory },
  { key: 'oursBundle', label: 'ours: esbuild bundle', specifier: await bundle(join(root, 'pkg', 'src', 'edge.node.js'), join(bundleDir, 'ours', 'src', 'edge.mjs')), factory: CONTENDERS.ours.factory },
  { key: 'joseBundle', label: 'jose: esbuild bundle', specifier: await bundle(join(here, CONTENDERS.jose.module), join(bundleDir, 'jose', 'edge-jose.mjs')), factory: CONTENDERS.jose.factory },
];
const childEnv = { ...process.env, EDGE_BENCH_FIXTURE: JSON.stringify(fx) };
const coldOnce = (c) =>
  JSON.parse(execFileSync(process.execPath, [self, '--cold-child', c.specifier, c.factory], { env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
for (const c of coldContenders) coldOnce(c); // untimed: the OS file cache
const cold = coldContenders.map(() => []);
for (let i = 0; i < COLD_RUNS; i++) {
  for (let k = 0; k < coldContenders.length; k++) {
    const j = (i + k) % coldContenders.length; // rotate who goes first
    cold[j].push(coldOnce(coldContenders[j]));
  }
}

// ---- 2. warm per-request cost -----------------------------------------------------------

const goodBody = JSON.stringify({ code: fx.code, code_verifier: fx.codeVerifier, redirect_uri: REDIRECT, nonce });
const requestInit = { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: goodBody };
const handlerRun = (handle) => async () => {
  const res = await handle(new Request('https://edge.example/auth/token', requestInit));
  await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
};

// The floor: the same two RSA operations on pre-encoded bytes, keys imported once.
const floorSignKey = await crypto.subtle.importKey('pkcs8', Buffer.from(clientKey.pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'), ALG, false, ['sign']);
const floorVerifyKey = await crypto.subtle.importKey('jwk', providerKey.jwk, ALG, false, ['verify']);
const assertionInput = enc.encode(`${b64u(enc.encode(JSON.stringify({ alg: 'RS512', typ: 'JWT', kid: fx.kid })))}.${b64u(enc.encode(JSON.stringify({ iss: CLIENT, sub: CLIENT, aud: [ISSUER, ep.token], jti: crypto.randomUUID(), iat: NOW, exp: NOW + 60 })))}`);
const idDot = idToken.lastIndexOf('.');
const idInput = enc.encode(idToken.slice(0, idDot));
const idSig = Buffer.from(idToken.slice(idDot + 1), 'base64url');
const floor = async () => {
  await crypto.subtle.sign(ALG, floorSignKey, assertionInput);
  if (!(await crypto.subtle.verify(ALG, floorVerifyKey, idSig, idInput))) throw new Error('floor: verify failed');
};

const warmUpstreams = {};
const contenders = [
  { name: 'floor: crypto.subtle.sign RS512 + crypto.subtle.verify', run: floor },
  ...names.map((n) => {
    warmUpstreams[n] = fakeUpstream(fx);
    return { name: CONTENDERS[n].label, key: n, run: handlerRun(modules[n](optionsOf(fx, warmUpstreams[n].fetch))) };
  }),
];

// The validation benchmark's method: warm-up, then round-robin batches (µs per request).
const samples = await measure(contenders, {}, { batches: BATCHES, iters: ITERS, warmup: WARMUP });
for (const n of names) {
  const c = warmUpstreams[n].calls;
  if (c.token !== WARMUP + BATCHES * ITERS || c.jwks !== 1 || c.other) throw new Error(`${n}: upstream calls while timing ${JSON.stringify(c)}`);
}

// ---- report ----------------------------------------------------------------------------

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const us = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const coldStats = Object.fromEntries(coldContenders.map((c, j) => {
  const s = cold[j];
  const first = s.map((x) => x.firstMs);
  return [c.key, { import: median(s.map((x) => x.importMs)), after: median(s.map((x) => x.firstMs - x.importMs)), first: median(first), min: Math.min(...first), max: Math.max(...first) }];
}));
const warm = samples.map((s) => ({ median: median(s), min: Math.min(...s), max: Math.max(...s) }));
const floorMedian = warm[0].median;

console.log('## Edge handler (Node)\n');
console.log(`${process.version} (${process.platform}/${process.arch}), ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism?.() ?? os.cpus().length}. ` +
  'POST /token with the upstream answered instantly by an injected fetch (canned token response with an RS512 ID token; JWKS of 2 keys, cached by both). ' +
  'Both handlers answered 200 with the ID token (client assertion verified) and refused a wrong redirect_uri (400), malformed code_verifier (400), foreign Origin (403), ' +
  'text/plain (415), body over 16 KiB (413), wrong nonce, forged ID token, unsatisfied vot and wrong aud (502).\n');
console.log(`**Cold start**: a fresh \`node\` per sample, ${COLD_RUNS} per contender, interleaved; median ms. ` +
  'Import = `await import()` of the handler module; first response = from just before the import to the end of the first /token response body ' +
  '(module load, wasm compile for ours, key import, JWKS, first request); Request/Response/crypto.subtle touched before the clock starts. ' +
  '"As installed" loads the packages\' ES modules file by file (jose: 46 modules, ours: 4); "bundle" is one minified esbuild ESM file, as edge deployments ship.\n');
console.log('| contender | import (ms) | handler + first request (ms) | import → first response (ms) | spread of first response (min–max ms) |');
console.log('|---|---:|---:|---:|---:|');
for (const c of coldContenders) {
  const s = coldStats[c.key];
  console.log(`| ${c.label} | ${ms(s.import)} | ${ms(s.after)} | ${ms(s.first)} | ${ms(s.min)}–${ms(s.max)} |`);
}
const coldIndex = (key) => coldContenders.findIndex((c) => c.key === key);
// Paired: the median over runs i of ours_i / jose_i (run i of both is back to back).
const pairedCold = (o, j, f) => median(cold[coldIndex(o)].map((x, i) => f(x) / f(cold[coldIndex(j)][i])));
for (const [what, o, j] of [['as installed', 'ours', 'jose'], ['bundled', 'oursBundle', 'joseBundle']]) {
  const [a, b] = [coldStats[o], coldStats[j]];
  console.log(`| **ours / jose, ${what}** | ${ratio(a.import, b.import)} | ${ratio(a.after, b.after)} | **${ratio(a.first, b.first)}** (paired ${pairedCold(o, j, (x) => x.firstMs).toFixed(2)}×) | |`);
}
console.log();
console.log(`**Warm, per request** (upstream excluded): warm-up ${WARMUP}, then ${BATCHES} round-robin batches × ${ITERS} sequential requests each ` +
  '(Request built, handled, response body read); median of batch means. The floor is the two RSA operations alone on pre-encoded bytes; the RS512 signature dominates every row.\n');
console.log('| contender | median µs/request | × floor | spread (min–max of batch means, µs) |');
console.log('|---|---:|---:|---:|');
// Paired: the median over rounds of the same round's ratio.
const pairedWarm = (i, j) => median(samples[i].map((x, b) => x / samples[j][b]));
const warmIndex = (n) => contenders.findIndex((c) => c.key === n);
contenders.forEach((c, i) => {
  const s = warm[i];
  console.log(`| ${c.name} | ${us(s.median)} | ${ratio(s.median, floorMedian)}${i ? ` (paired ${pairedWarm(i, 0).toFixed(2)}×)` : ''} | ${us(s.min)}–${us(s.max)} |`);
});
const [wo, wj] = [warm[warmIndex('ours')], warm[warmIndex('jose')]];
console.log(`| **ours / jose** | **${ratio(wo.median, wj.median)}** (paired ${pairedWarm(warmIndex('ours'), warmIndex('jose')).toFixed(2)}×) | | |`);
console.log();
console.log(`- above the floor: ours ${us(wo.median - floorMedian)} µs/request, jose ${us(wj.median - floorMedian)} µs/request`);
