// nhs-login-client in Deno (the `deno` npm package's binary), installed from
// the `npm pack` tarball into a scratch app with a package.json, as a Deno
// project using npm packages from node_modules would have it.
//
// - The edge handler under `deno serve` (fixtures/deno/edge-server.mjs:
//   `export default { fetch: createEdgeHandler(config) }`), configured against
//   the local NHS-login-like provider (tests/provider), driven over HTTP:
//   CORS preflight, 405, 415, 403, JWKS, discovery, and the full code flow
//   (sign-in at the provider, POST /auth/token, ID token validation against
//   the handler's /auth/jwks, /auth/userinfo and /auth/refresh with the
//   encrypted cookie).
// - The runtime-independent suites Node, workerd and Vercel's edge-runtime run
//   (edge-flow.js: the code flow, PATCH /userinfo, step-up, SSO assertions;
//   edge-sessions.js: session lifetimes, refresh races, the store, the rate
//   limit, GET /session), each configuration its own `deno serve`.
// - The browser entry (src/index.js) in Deno: createAuthorizationRequest and
//   validateIdToken (fixtures/deno/browser-entry.mjs).
//
// Which entry Deno picks: Deno resolves package exports with the `deno`,
// `node`, `import` and `default` conditions, first match in the package's
// key order, so `nhs-login-client` and `nhs-login-client/edge` resolve to the
// Node entries (src/node.js, src/edge.node.js), which read the .wasm with
// node:fs: Deno needs --allow-read on the package folder (asserted below).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAuthorizationRequest, parseCallback, validateIdToken, createRemoteJwks } from 'nhs-login-client';
import { startProvider } from '../../tests/provider/provider.mjs';
import { CookieJar, signInWithFetch } from '../../tests/provider/user-agent.mjs';
import { scratchApp, tempDir, cleanup, ROOT_DIR } from './tarball.js';
import { edgeFlowSuite } from './edge-flow.js';
import { edgeSessionSuite } from './edge-sessions.js';

const DENO = join(ROOT_DIR, 'node_modules/.bin/deno');
const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const CLIENT = 'deno-edge-client';

let app, pkgDir, denoEnv, op, edge, base;
const children = [];

/** Starts `deno serve` on a free loopback port; resolves to { child, base } once it listens, or rejects with its output. */
function denoServe(config, { store = false } = {}) {
  const child = spawn(
    DENO,
    ['serve', '--host', '127.0.0.1', '--port', '0', '--allow-net=127.0.0.1', `--allow-read=${pkgDir}`, '--allow-env=NHS_LOGIN_EDGE_CONFIG,NHS_LOGIN_EDGE_STORE', 'edge-server.mjs'],
    { cwd: app, env: { ...denoEnv, NHS_LOGIN_EDGE_CONFIG: JSON.stringify(config), NHS_LOGIN_EDGE_STORE: store ? 'memory' : '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`deno serve did not start: ${output}`)), 30000);
    const onData = (d) => {
      output += d;
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)\/?/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1], output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`deno serve exited with ${code}: ${output}`), { exitCode: code, output }));
    });
  });
}

// The scratch app with the packed package, made once, whichever hook asks first
// (the shared suites' hooks can run before this file's own).
let scratch;
const setUp = () =>
  (scratch ??= (async () => {
    app = await scratchApp('deno');
    pkgDir = join(app, 'node_modules/nhs-login-client');
    denoEnv = { ...process.env, DENO_DIR: await tempDir('nhs-login-client-deno-dir-'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  })());

before(async () => {
  await setUp();
  op = await startProvider({ port: 0, clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT] }], log: false });
  const keys = op.clientKeys[CLIENT];
  edge = await denoServe({
    issuer: op.issuer,
    clientId: CLIENT,
    privateKey: keys.privateKeyPem,
    keyId: keys.kid,
    allowedOrigins: [ORIGIN],
    redirectUris: [REDIRECT],
    cookieSecret: Buffer.alloc(32, 7).toString('base64url'),
    vtr: ['P9.Cp.Cd', 'P5.Cp.Cd', 'P0.Cp'],
    timeoutMs: 5000,
  });
  base = edge.base;
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill();
  await op?.close();
  await cleanup();
});

const send = (path, init = {}) => fetch(`${base}${path}`, { redirect: 'manual', ...init });

// The runtime-independent suites (as in Node, workerd and Vercel's edge-runtime), each configuration its own
// `deno serve`: the code flow with PATCH /userinfo, step-up and SSO assertions, and the edge sessions.
const denoSend = async (config, { store } = {}) => {
  await setUp();
  const server = await denoServe(config, { store });
  return (path, init = {}) => fetch(`${server.base}${path}`, { ...init, redirect: 'manual' });
};
edgeFlowSuite(test, { before, after }, denoSend);
edgeSessionSuite(test, { before, after }, denoSend);

test('deno serve: CORS preflight from an allowed origin', async () => {
  const res = await send('/auth/token', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.equal(res.headers.get('access-control-allow-methods'), 'POST');
  assert.match(res.headers.get('access-control-allow-headers'), /content-type/);
  assert.match(res.headers.get('vary'), /Origin/);
});

test('deno serve: 405 with Allow, 415 for a non-JSON body, 403 for another origin, 404 elsewhere', async () => {
  const get = await send('/auth/token', { headers: { origin: ORIGIN } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  assert.equal((await get.json()).error, 'method_not_allowed');

  const text = await send('/auth/token', { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'text/plain' }, body: 'code=x' });
  assert.equal(text.status, 415);
  assert.equal((await text.json()).error, 'invalid_request');

  const evil = await send('/auth/token', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  assert.equal((await evil.json()).error, 'forbidden_origin');

  const none = await send('/elsewhere');
  assert.equal(none.status, 404);
  await none.arrayBuffer();
});

test('deno serve: GET /auth/.well-known/openid-configuration serves discovery', async () => {
  const res = await send('/auth/.well-known/openid-configuration', { headers: { origin: ORIGIN } });
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.issuer, op.issuer);
  assert.equal(doc.token_endpoint, `${op.issuer}/token`);
  assert.ok(doc.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
});

test('deno serve: the full code flow through POST /auth/token, then userinfo and refresh with the cookie', async () => {
  const req = await createAuthorizationRequest({ authorizationEndpoint: op.endpoints.authorization, clientId: CLIENT, redirectUri: REDIRECT, scope: ['openid', 'profile', 'email'], vtr: ['P9.Cp.Cd'] });
  const back = await signInWithFetch({ authorizeUrl: req.url, redirectUri: REDIRECT, patient: 'p9', jar: new CookieJar() });
  const { code } = await parseCallback(back, { state: req.state, issuer: op.issuer });

  const res = await send('/auth/token', {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ code, code_verifier: req.codeVerifier, redirect_uri: REDIRECT, nonce: req.nonce }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const tokens = await res.json();
  assert.equal(tokens.refresh_token, undefined, 'the refresh token stays in the cookie');
  assert.match(tokens.token_type, /^bearer$/i);
  const setCookie = res.headers.get('set-cookie');
  assert.match(setCookie, /^__Host-nhs-login=[A-Za-z0-9_-]+; Path=\/; Max-Age=1800; HttpOnly; Secure; SameSite=Strict$/);
  const cookie = setCookie.split(';')[0];

  // The SPA validates the ID token against the JWKS the Deno edge serves.
  const claims = await validateIdToken(tokens.id_token, { issuer: op.issuer, clientId: CLIENT, jwks: createRemoteJwks(`${base}/auth/jwks`), nonce: req.nonce, vtr: ['P9.Cp.Cd'] });
  assert.equal(claims.vot, 'P9.Cp.Cd');
  assert.equal(claims.identity_proofing_level, 'P9');
  assert.match(claims.nhs_number, /^\d{10}$/);

  const ui = await send('/auth/userinfo', { headers: { origin: ORIGIN, authorization: `Bearer ${tokens.access_token}`, cookie } });
  assert.equal(ui.status, 200, await ui.clone().text());
  assert.equal((await ui.json()).sub, claims.sub);

  const rf = await send('/auth/refresh', { method: 'POST', headers: { origin: ORIGIN, cookie } });
  assert.equal(rf.status, 200, await rf.clone().text());
  const refreshed = await rf.json();
  assert.equal(typeof refreshed.access_token, 'string');
  assert.notEqual(refreshed.access_token, tokens.access_token);
  assert.match(rf.headers.get('set-cookie'), /^__Host-nhs-login=/);

  // The same code again: the provider refuses it and the handler passes that on.
  const replay = await send('/auth/token', {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ code, code_verifier: req.codeVerifier, redirect_uri: REDIRECT, nonce: req.nonce }),
  });
  assert.equal(replay.status, 400);
  assert.equal((await replay.json()).error, 'invalid_grant');
});

// After the code flow: the wasm is initialised by then (see the cold-start test below).
test("deno serve: GET /auth/jwks serves the provider's keys", async () => {
  const res = await send('/auth/jwks', { headers: { origin: ORIGIN } });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  const served = await res.json();
  const upstream = await (await fetch(`${op.issuer}/.well-known/jwks.json`)).json();
  assert.ok(served.keys.length > 0);
  assert.deepEqual(served, upstream);
});

// Regression: GET /auth/jwks as the first request of a fresh isolate used to
// parse the JWKS before the wasm was initialised (502).
test('deno serve: GET /auth/jwks as the very first request of a fresh server', async () => {
  const keys = op.clientKeys[CLIENT];
  const fresh = await denoServe({ issuer: op.issuer, clientId: CLIENT, privateKey: keys.privateKeyPem, allowedOrigins: [ORIGIN], redirectUris: [REDIRECT] });
  try {
    const res = await fetch(`${fresh.base}/auth/jwks`, { headers: { origin: ORIGIN } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok((await res.json()).keys.length > 0);
  } finally {
    fresh.child.kill();
  }
});

test('deno serve: a configuration mistake stops the server at start-up with invalid_option', async () => {
  const err = await denoServe({ issuer: op.issuer, clientId: CLIENT, privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----', allowedOrigins: [ORIGIN], redirectUris: [REDIRECT] }).then(
    () => assert.fail('deno serve started with a PKCS#1 key'),
    (e) => e,
  );
  assert.notEqual(err.exitCode, 0);
  assert.match(err.output, /NhsLoginError/);
  assert.match(err.output, /PKCS#1/);
});

test('Deno: the browser entry (src/index.js) creates a request and validates a token; bare specifiers resolve to the node entries', async () => {
  const run = (args) => promisify(execFile)(DENO, args, { cwd: app, env: denoEnv });
  const { stdout } = await run(['run', `--allow-read=${pkgDir}`, 'browser-entry.mjs']);
  const r = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.match(r.url, /^https:\/\/auth\.sandpit\.signin\.nhs\.uk\/authorize\?response_type=code&client_id=deno-client&/);
  assert.equal(r.sub, 'deno-user');
  assert.equal(r.vot, 'P5.Cp.Cd');
  assert.equal(r.expired, 'token_expired');
  assert.ok(r.resolved.main.endsWith('/node_modules/nhs-login-client/src/node.js'), r.resolved.main);
  assert.ok(r.resolved.edge.endsWith('/node_modules/nhs-login-client/src/edge.node.js'), r.resolved.edge);

  // Without read access to the package folder the .wasm cannot be loaded (file: fetch and node:fs both need it).
  const denied = await run(['run', 'browser-entry.mjs']).then(() => 'ran', (e) => e.stderr);
  assert.match(denied, /wasm_unavailable|could not be loaded/);
  assert.match(denied, /--allow-read/);
});
