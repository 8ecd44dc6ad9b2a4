// The npm package in real headless Chromium (Debian's, driven by playwright-core):
// native ES module import, wasm fetched over HTTP, WebCrypto verification,
// sessionStorage transactions and history.replaceState on the redirect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
let server, browser, page, base;

// A stand-in for the edge's /refresh that records how many refreshes overlap
// (NHS login rotates the refresh token: two at once would present a spent one).
const refreshes = { running: 0, maxRunning: 0, total: 0 };
function fakeRefresh(res) {
  refreshes.total++;
  refreshes.maxRunning = Math.max(refreshes.maxRunning, ++refreshes.running);
  setTimeout(() => {
    refreshes.running--;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `at-${refreshes.total}`, token_type: 'Bearer', expires_in: 300 }));
  }, 150);
}

before(async () => {
  // A static file server for the repository (pkg/ and this page); nothing else.
  server = createServer(async (req, res) => {
    if (req.url === '/edge/refresh' && req.method === 'POST') return fakeRefresh(res);
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!path.startsWith('/pkg/')) return res.writeHead(404).end();
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}/pkg/test/browser/page.html`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const open = async (url) => {
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true);
};

test('authorize, callback and validate in Chromium', async () => {
  await open(base);
  const result = await page.evaluate(async () => {
    const { createAuthorizationRequest, parseCallback, validateIdToken } = window.lib;
    const r = await createAuthorizationRequest({ environment: 'integration', clientId: 'c1', redirectUri: 'https://app.example/cb', vtr: ['P5.Cp.Cd'] });
    const cb = await parseCallback(`https://app.example/cb?code=xyz&state=${r.state}`, { state: r.state });
    const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };
    const pair = await crypto.subtle.generateKey({ ...ALG, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign', 'verify']);
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const b64u = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const enc = new TextEncoder();
    const now = Math.floor(Date.now() / 1000);
    const sign = async (claims) => {
      const input = `${b64u(enc.encode(JSON.stringify({ alg: 'RS512', kid: 'k' })))}.${b64u(enc.encode(JSON.stringify(claims)))}`;
      return `${input}.${b64u(await crypto.subtle.sign(ALG, pair.privateKey, enc.encode(input)))}`;
    };
    const claims = { iss: 'https://auth.aos.signin.nhs.uk', aud: 'c1', sub: 's', exp: now + 600, iat: now, nonce: r.nonce, vot: 'P5.Cp.Cd', nhs_number: '9000000009' };
    const jwks = { keys: [{ kty: 'RSA', kid: 'k', n: jwk.n, e: jwk.e }] };
    const opts = { environment: 'integration', clientId: 'c1', jwks, nonce: r.nonce, vtr: ['P5.Cp.Cd'] };
    const valid = await validateIdToken(await sign(claims), opts);
    const codeOf = (p) => p.then(() => 'ok', (e) => e.code);
    return {
      url: r.url,
      code: cb.code,
      nhs: valid.nhs_number,
      expired: await codeOf(validateIdToken(await sign({ ...claims, exp: now - 3600 }), opts)),
      p9: await codeOf(validateIdToken(await sign({ ...claims, vot: 'P9.Cp.Cd' }), opts)),
      forged: await codeOf(validateIdToken((await sign(claims)).replace(/\.[^.]+$/, '.AAAA'), opts)),
      mismatch: await codeOf(parseCallback('https://app.example/cb?code=xyz&state=other', { state: r.state })),
    };
  });
  assert.match(result.url, /^https:\/\/auth\.aos\.signin\.nhs\.uk\/authorize\?response_type=code&client_id=c1&/);
  assert.equal(result.code, 'xyz');
  assert.equal(result.nhs, '9000000009');
  assert.equal(result.expired, 'token_expired');
  assert.equal(result.p9, 'vot_not_satisfied');
  assert.equal(result.forged, 'invalid_signature');
  assert.equal(result.mismatch, 'state_mismatch');
});

test('NhsLogin in Chromium: redirect, sessionStorage, URL cleaned, replay refused, no localStorage', async () => {
  await open(base);
  // signIn navigates to the authorization endpoint (here: this page, on loopback http).
  await page.evaluate((endpoint) => {
    window.login = new window.lib.NhsLogin({ authorizationEndpoint: endpoint, clientId: 'c1', redirectUri: 'https://app.example/cb', vtr: ['P0.Cp'] });
    window.login.signIn();
  }, base);
  await page.waitForURL(/response_type=code/);
  await page.waitForFunction(() => window.ready === true);
  const authUrl = new URL(page.url());
  assert.equal(authUrl.searchParams.get('vtr'), '["P0.Cp"]');
  const state = authUrl.searchParams.get('state');
  const stored = await page.evaluate(() => Object.keys(sessionStorage));
  assert.deepEqual(stored, [`nhs-login:tx:${state}`]);

  // NHS login redirects back with code and state.
  const callbackUrl = `${base}?keep=1&code=abc&state=${encodeURIComponent(state)}&iss=x`;
  await open(callbackUrl);
  const r = await page.evaluate(async () => {
    const login = new window.lib.NhsLogin({ clientId: 'c1', redirectUri: 'https://app.example/cb' });
    const out = await login.handleRedirect();
    return { ...out, search: location.search, session: sessionStorage.length, local: localStorage.length };
  });
  assert.equal(r.code, 'abc');
  assert.deepEqual(r.vtr, ['P0.Cp']);
  assert.match(r.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(r.search, '?keep=1', 'code, state and iss are removed from the address bar');
  assert.equal(r.session, 0, 'the transaction is single use');
  assert.equal(r.local, 0, 'nothing is written to localStorage');

  // Loading the same callback URL again (back button, replay) fails cleanly.
  await open(callbackUrl);
  const replay = await page.evaluate(() =>
    new window.lib.NhsLogin({ clientId: 'c1', redirectUri: 'https://app.example/cb' }).handleRedirect().then(() => 'ok', (e) => `${e.code}|${location.search}`),
  );
  assert.equal(replay, 'state_mismatch|?keep=1');
});

test("createRemoteJwks('/…') in Chromium resolves against the page, as the README's quick start writes it", async () => {
  await open(base);
  const r = await page.evaluate(async () => {
    const remote = window.lib.createRemoteJwks('/pkg/test/browser/no-such-jwks.json');
    const failed = await window.lib
      .validateIdToken('e30.e30.AAAA', { environment: 'sandpit', clientId: 'c', jwks: remote })
      .then(() => 'ok', (e) => e.code);
    return { url: remote.url, failed };
  });
  assert.equal(r.url, new URL('/pkg/test/browser/no-such-jwks.json', base).href);
  // The fetch reached this server (404): an NhsLoginError, not a TypeError from new URL().
  assert.equal(r.failed, 'invalid_jwks');
});

// Issue 11 (3): two tabs refreshing at once. Two pages of one browser context
// (one cookie jar, one origin), each with its own NhsLogin, refresh together.
for (const [what, init] of [
  ['Web Locks', undefined],
  // Where navigator.locks is missing: the BroadcastChannel election.
  ['BroadcastChannel (no Web Locks)', () => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined })],
]) {
  test(`two tabs refreshing at once take turns (${what})`, async () => {
    const context = await browser.newContext();
    try {
      if (init) await context.addInitScript(init);
      const tabs = [await context.newPage(), await context.newPage()];
      for (const tab of tabs) {
        await tab.goto(base);
        await tab.waitForFunction(() => window.ready === true);
      }
      if (init) assert.equal(await tabs[0].evaluate(() => navigator.locks), undefined);
      else assert.equal(await tabs[0].evaluate(() => typeof navigator.locks.request), 'function');
      Object.assign(refreshes, { running: 0, maxRunning: 0, total: 0 });
      const results = await Promise.all(
        tabs.map((tab) =>
          tab.evaluate(async () => {
            const login = new window.lib.NhsLogin({ clientId: 'c1', redirectUri: 'https://app.example/cb', edgeUrl: '/edge' });
            const out = [];
            for (let i = 0; i < 3; i++) {
              // Each refresh after the previous one in this tab; the other tab refreshes meanwhile.
              out.push((await login.refresh()).accessToken);
            }
            return out;
          }),
        ),
      );
      assert.equal(refreshes.total, 6);
      assert.equal(refreshes.maxRunning, 1, 'never two refreshes at once across the tabs');
      assert.equal(new Set(results.flat()).size, 6);
    } finally {
      await context.close();
    }
  });
}
