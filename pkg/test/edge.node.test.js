// The edge handler in Node 20+, called directly with Web Requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEdgeHandler, memorySessionStore } from 'nhs-login-client/edge';
import { makeClientKey } from './helpers.js';
import { edgeFaultSuite } from './edge-faults.js';
import { edgeFlowSuite } from './edge-flow.js';
import { edgeFidelitySuite } from './edge-fidelity.js';
import { edgeSessionSuite } from './edge-sessions.js';


// `store: true`: the session store in memory (workerd: Workers KV).
const makeSend = async (config, { store } = {}) => {
  const handler = createEdgeHandler(store ? { ...config, sessionStore: memorySessionStore() } : config);
  return (path, init) => handler(new Request(`https://edge.example${path}`, init));
};

edgeFaultSuite(test, { before, after }, makeSend, makeClientKey);
edgeFlowSuite(test, { before, after }, makeSend);
edgeFidelitySuite(test, { before, after }, makeSend);
edgeSessionSuite(test, { before, after }, makeSend);

test('configuration mistakes are invalid_option at creation', async () => {
  const key = await makeClientKey();
  const base = { environment: 'sandpit', clientId: 'c', privateKey: key.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'] };
  const bad = [
    [{ clientId: '' }, /clientId/],
    [{ environment: 'dev' }, /environment/],
    [{ privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----' }, /PKCS#1/],
    [{ privateKey: 42 }, /privateKey/],
    [{ issuer: 'http://nhs.example' }, /issuer/],
    [{ tokenEndpoint: 'http://nhs.example/token' }, /tokenEndpoint/],
    [{ allowedOrigins: [] }, /allowedOrigins/],
    [{ redirectUris: undefined }, /redirectUris/],
    [{ cookieSecret: 'short' }, /cookieSecret/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ allowedOrigins: ['spa.example'] }, /allowedOrigins/],
    [{ allowedOrigins: ['https://spa.example/app'] }, /allowedOrigins/],
    [{ basePath: 'auth' }, /basePath/],
    [{ vtr: 'P9.Cp.Cd' }, /vtr/],
    [{ vtr: ['P7.Cp'] }, /vtr/],
    [{ clockSkewSeconds: 'x' }, /clockSkewSeconds/],
    [{ sessionSeconds: -5 }, /sessionSeconds/],
    // EIS §7.3: NHS login refuses redirect URIs with a query string.
    [{ redirectUris: ['https://spa.example/cb?from=nhs'] }, /redirectUris.*query string/],
    [{ redirectUris: ['http://spa.example/cb'] }, /redirectUris/],
  ];
  for (const [over, re] of bad) {
    assert.throws(() => createEdgeHandler({ ...base, ...over }), (e) => e.code === 'invalid_option' && re.test(e.message) && e.message.startsWith(`option \`${e.field}\``));
  }
  assert.equal(typeof createEdgeHandler(base), 'function');
});

// JWKS caching and key rotation. NHS login itself is simulated by an injected
// fetch here, because the point is to count requests: what the handler asks
// for, and when. (The real provider is exercised in edge-flow.js.)
test('JWKS: cached per Cache-Control, refetched on an unknown kid at most once a minute', async () => {
  const { makeKey, sign, baseClaims } = await import('./helpers.js');
  const ISS = 'https://auth.login.nhs.uk';
  const [client, k1, k2, k3] = await Promise.all([makeClientKey(), makeKey('k1'), makeKey('k2'), makeKey('k3')]);
  let published = [k1.jwk];
  let idToken;
  const calls = { jwks: 0, token: 0 };
  const fakeNhsLogin = async (url, init = {}) => {
    const u = String(url);
    if (u === `${ISS}/.well-known/jwks.json`) {
      calls.jwks++;
      return new Response(JSON.stringify({ keys: published }), { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } });
    }
    if (u === `${ISS}/token` && init.method === 'POST') {
      calls.token++;
      return new Response(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken }), { headers: { 'content-type': 'application/json' } });
    }
    return new Response('{"error":"not_found"}', { status: 404 });
  };
  const handler = createEdgeHandler({
    environment: 'production',
    clientId: 'test-client',
    privateKey: client.pem,
    allowedOrigins: ['https://spa.example'],
    redirectUris: ['https://spa.example/cb'],
    fetch: fakeNhsLogin,
  });
  const now = Math.floor(Date.now() / 1000);
  const claims = baseClaims({ aud: 'test-client', exp: now + 600, iat: now });
  const exchange = async (key) => {
    idToken = await sign(key, claims);
    return handler(new Request('https://edge.example/auth/token', {
      method: 'POST',
      headers: { origin: 'https://spa.example', 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: 'https://spa.example/cb', nonce: 'nonce-1' }),
    }));
  };
  const jwksRoute = () => handler(new Request('https://edge.example/auth/jwks'));

  assert.deepEqual((await (await jwksRoute()).json()).keys.map((k) => k.kid), ['k1']);
  await jwksRoute();
  assert.equal(calls.jwks, 1, 'served from the cache within max-age');
  assert.equal((await exchange(k1)).status, 200);
  assert.equal(calls.jwks, 1);

  published = [k1.jwk, k2.jwk]; // NHS login rotates in k2
  const rotated = await exchange(k2);
  assert.equal(rotated.status, 200, await rotated.clone().text());
  assert.equal(calls.jwks, 2, 'one refetch for the unknown kid');

  published = [k1.jwk, k2.jwk, k3.jwk];
  const tooSoon = await exchange(k3);
  assert.equal(tooSoon.status, 502);
  assert.match((await tooSoon.json()).error_description, /key_not_found/);
  assert.equal(calls.jwks, 2, 'no second refetch within a minute');
});

// NHS login itself is simulated by an injected fetch here, to count what the
// handler asks for and logs (the real provider is used in edge-fidelity.js).
test('discovery naming another issuer: logged once, every route 500; a discovery outage does not block sign-in', async () => {
  const key = await makeClientKey();
  const ISS = 'https://auth.login.nhs.uk';
  let discovered = `${ISS}/`;
  let discoveryUp = true;
  const calls = { discovery: 0, token: 0 };
  const fake = async (url) => {
    const u = String(url);
    if (u.endsWith('/.well-known/openid-configuration')) {
      calls.discovery++;
      return discoveryUp ? Response.json({ issuer: discovered }) : new Response('down', { status: 503 });
    }
    if (u.endsWith('/token')) calls.token++;
    return Response.json({ error: 'invalid_grant' }, { status: 400 });
  };
  const logs = [];
  const config = { environment: 'production', clientId: 'c', privateKey: key.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'], fetch: fake, log: (e) => logs.push(e) };
  const token = (h) =>
    h(new Request('https://edge.example/auth/token', {
      method: 'POST',
      headers: { origin: 'https://spa.example', 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: 'https://spa.example/cb', nonce: 'n' }),
    }));
  const h = createEdgeHandler(config);
  for (let i = 0; i < 3; i++) {
    const res = await token(h);
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.error, 'invalid_configuration');
    assert.match(body.error_description, /"https:\/\/auth\.login\.nhs\.uk".*"https:\/\/auth\.login\.nhs\.uk\/"/);
  }
  assert.equal((await h(new Request('https://edge.example/auth/jwks'))).status, 500);
  assert.equal(calls.token, 0, 'no code is spent against a misconfigured issuer');
  assert.equal(logs.filter((e) => e.event === 'invalid_configuration').length, 1, 'logged once');
  assert.deepEqual(logs.find((e) => e.event === 'invalid_configuration'), { event: 'invalid_configuration', configured: ISS, discovered: `${ISS}/` });

  // Discovery down: the exchange goes ahead (the ID token's iss is still checked exactly) and discovery is not asked again within a minute.
  discoveryUp = false;
  discovered = ISS;
  calls.discovery = 0;
  const h2 = createEdgeHandler({ ...config, log: () => {} });
  assert.equal((await token(h2)).status, 400);
  assert.equal((await token(h2)).status, 400);
  assert.deepEqual(calls, { discovery: 1, token: 2 });
});

test('invalid_id_token names the code and the claim at fault, never its value', async () => {
  const { makeKey, sign, baseClaims } = await import('./helpers.js');
  const ISS = 'https://auth.login.nhs.uk';
  const [client, k1] = await Promise.all([makeClientKey(), makeKey('k1')]);
  const now = Math.floor(Date.now() / 1000);
  const idToken = await sign(k1, baseClaims({ aud: 'test-client', exp: undefined, iat: now, nonce: 'nonce-1' }));
  const fake = async (url) => {
    const u = String(url);
    if (u.endsWith('/jwks.json')) return Response.json({ keys: [k1.jwk] });
    if (u.endsWith('/openid-configuration')) return Response.json({ issuer: ISS });
    return Response.json({ access_token: 'at', token_type: 'Bearer', id_token: idToken });
  };
  const logs = [];
  const handler = createEdgeHandler({ environment: 'production', clientId: 'test-client', privateKey: client.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'], fetch: fake, log: (e) => logs.push(e) });
  const res = await handler(new Request('https://edge.example/auth/token', {
    method: 'POST',
    headers: { origin: 'https://spa.example', 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: 'https://spa.example/cb', nonce: 'nonce-1' }),
  }));
  assert.equal(res.status, 502);
  const body = await res.json();
  assert.equal(body.error, 'invalid_id_token');
  assert.match(body.error_description, /missing_claim \(claim `exp`\): the ID token has no `exp` claim/);
  assert.ok(logs.some((e) => e.event === 'id_token_rejected' && e.code === 'missing_claim' && e.claim === 'exp'), JSON.stringify(logs));
});

// Issue 11 (5), with Cloudflare's Workers Rate Limiting binding interface
// (`limit({ key }) → Promise<{ success }>`) and a clientKey of the service's own.
test('rateLimit binding and clientKey: 429 slow_down before any signing or upstream call; a failing binding lets calls through', async () => {
  const key = await makeClientKey();
  const calls = { token: 0 };
  const fake = async (url) => {
    if (String(url).endsWith('/openid-configuration')) return Response.json({ issuer: 'https://auth.login.nhs.uk' });
    calls.token++;
    return Response.json({ error: 'invalid_grant' }, { status: 400 });
  };
  const keys = [];
  let allow = 2;
  let broken = false;
  const binding = {
    async limit({ key: k }) {
      keys.push(k);
      if (broken) throw new Error('binding down');
      return { success: allow-- > 0 };
    },
  };
  const logs = [];
  const h = createEdgeHandler({
    environment: 'production', clientId: 'c', privateKey: key.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'],
    fetch: fake, rateLimit: binding, clientKey: (r) => `session:${r.headers.get('x-client') ?? 'none'}`, log: (e) => logs.push(e),
  });
  const token = () => h(new Request('https://edge.example/auth/token', {
    method: 'POST',
    headers: { origin: 'https://spa.example', 'content-type': 'application/json', 'x-client': 'abc' },
    body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: 'https://spa.example/cb', nonce: 'n' }),
  }));
  assert.equal((await token()).status, 400);
  assert.equal((await token()).status, 400);
  const over = await token();
  assert.equal(over.status, 429);
  assert.equal((await over.json()).error, 'slow_down');
  assert.equal(over.headers.get('retry-after'), '60');
  assert.equal(calls.token, 2);
  assert.deepEqual(keys, ['session:abc', 'session:abc', 'session:abc']);
  broken = true;
  assert.equal((await token()).status, 400, 'an outage of the limiter does not stop sign-ins');
  assert.ok(logs.some((e) => e.event === 'rate_limit_failed') && logs.some((e) => e.event === 'rate_limited'));
  assert.throws(() => createEdgeHandler({ environment: 'production', clientId: 'c', privateKey: key.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'], rateLimit: { requests: 0 } }), (e) => e.code === 'invalid_option' && e.field === 'rateLimit');
});

// Issue 11 (2): the session store failing. The route answers 503
// temporarily_unavailable; the session is neither lost (it works once the
// store is back) nor silently extended (its lastUsedAt is not moved).
test('session store failing: 503 temporarily_unavailable, no session lost or extended; sign-out still clears the cookie', async () => {
  const { makeKey, sign, baseClaims } = await import('./helpers.js');
  const ISS = 'https://auth.login.nhs.uk';
  const [client, k1] = await Promise.all([makeClientKey(), makeKey('k1')]);
  const now = Math.floor(Date.now() / 1000);
  const idToken = await sign(k1, baseClaims({ aud: 'test-client', exp: now + 3600, iat: now }));
  let rt = 0;
  const fake = async (url) => {
    const u = String(url);
    if (u.endsWith('/jwks.json')) return Response.json({ keys: [k1.jwk] });
    if (u.endsWith('/openid-configuration')) return Response.json({ issuer: ISS });
    if (u.endsWith('/userinfo')) return Response.json({ sub: baseClaims().sub });
    return Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken, refresh_token: `rt-${++rt}` });
  };
  const inner = memorySessionStore();
  const failing = new Set();
  const writes = [];
  const store = {
    get: async (id) => (failing.has('get') ? Promise.reject(new Error('store down')) : inner.get(id)),
    put: async (id, v, o) => (failing.has('put') ? Promise.reject(new Error('store down')) : (writes.push(v), inner.put(id, v, o))),
    delete: async (id) => (failing.has('delete') ? Promise.reject(new Error('store down')) : inner.delete(id)),
  };
  const logs = [];
  const h = createEdgeHandler({
    environment: 'production', clientId: 'test-client', privateKey: client.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'],
    cookieSecret: Buffer.alloc(32, 4).toString('base64url'), fetch: fake, sessionStore: store, log: (e) => logs.push(e),
  });
  const send = (path, init = {}) => h(new Request(`https://edge.example${path}`, { ...init, headers: { origin: 'https://spa.example', ...init.headers } }));
  const signIn = () => send('/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: 'https://spa.example/cb', nonce: 'nonce-1' }) });
  const cookieOf = (res) => /^(__Host-nhs-login=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  const expect503 = async (res) => {
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error, 'temporarily_unavailable');
  };

  // A sign-in whose session cannot be stored gets no cookie.
  failing.add('put');
  const noSession = await signIn();
  await expect503(noSession);
  assert.equal(noSession.headers.get('set-cookie'), null);
  failing.clear();

  const ok = await signIn();
  assert.equal(ok.status, 200, await ok.clone().text());
  const cookie = cookieOf(ok);
  const stored = writes.at(-1);

  failing.add('get');
  const r1 = await send('/auth/refresh', { method: 'POST', headers: { cookie } });
  await expect503(r1);
  assert.equal(r1.headers.get('set-cookie'), null, 'the cookie is kept');
  assert.equal(rt, 2, 'no refresh without the session');
  failing.clear();

  // put failing after userinfo: 503, and the stored lastUsedAt is not moved.
  failing.add('put');
  const before = writes.length;
  await expect503(await send('/auth/userinfo', { headers: { cookie, authorization: 'Bearer at' } }));
  assert.equal(writes.length, before);
  failing.clear();

  // The session was neither lost nor extended: it works again, from where it was.
  const r2 = await send('/auth/userinfo', { headers: { cookie, authorization: 'Bearer at' } });
  assert.equal(r2.status, 200, await r2.clone().text());
  assert.equal(writes.at(-1).createdAt, stored.createdAt);

  // Sign-out with the store down: 503, and the cookie is cleared all the same.
  failing.add('delete');
  const out = await send('/auth/sign-out', { method: 'POST', headers: { cookie } });
  await expect503(out);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  failing.clear();
  assert.equal((await send('/auth/sign-out', { method: 'POST', headers: { cookie } })).status, 204);
  assert.equal((await send('/auth/refresh', { method: 'POST', headers: { cookie } })).status, 401);
  assert.ok(logs.some((e) => e.event === 'session_store_failed' && e.what === 'get'));
  assert.ok(!JSON.stringify(logs).includes('rt-'), 'no refresh token in the logs');
});
