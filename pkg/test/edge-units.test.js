// Unit tests of the edge handler's modules and the shared JavaScript helpers
// (base64url, the document cache), called directly: no Request, no server,
// no wasm. The handler as a whole is tested in edge.node.test.js,
// edge-chaos.test.js and on workerd and Deno.
//
//   node --test pkg/test/edge-units.test.js
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encode, decode, encodeJson } from '../src/base64url.js';
import { cachedDocument } from '../src/cached-document.js';
import { parseEdgeOptions } from '../src/edge-config.js';
import { ISSUERS } from '../src/generated.js';
import { HttpError, errorAnswer, jsonObjectOf, jsonResponse, readLimited } from '../src/edge-http.js';
import { bearerChallenge, passThroughError, jsonOf, createUpstream } from '../src/edge-upstream.js';
import { sessionCookieHeader, clearCookie, sessionCookieValue, sealSession, openSession, createSessionCookie, sessionExpiry } from '../src/edge-cookie.js';
import { jwtHeader, clientAssertionClaims, ssoAssertionClaims, createSigner } from '../src/edge-signing.js';
import { maxAgeOf, createDocuments, issuerMismatchError } from '../src/edge-documents.js';
import { field, pick } from '../src/edge-routes.js';
import { corsHeaders, admit, routeOf, preflightHeaders } from '../src/edge-dispatch.js';
import { bearerChallenge as publicBearerChallenge } from '../src/edge.js';
import { makeClientKey, decodeJwt, verifyRs512 } from './helpers.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'; // parsed, never imported
const SECRET = Buffer.alloc(32, 7).toString('base64url');
const BASE = Object.freeze({ environment: 'sandpit', clientId: 'c', privateKey: PEM, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'] });
const headers = (h) => new Headers(h);
const aesKey = (bytes = new Uint8Array(32).fill(7)) => crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
const enc = new TextEncoder();

// ---- base64url ----------------------------------------------------------------

test('base64url: encode matches RFC 4648 §5 (Node) for every length; decode is its inverse', () => {
  for (let n = 0; n <= 70; n++) {
    const bytes = new Uint8Array(randomBytes(n));
    const text = encode(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64url'), `length ${n}`);
    assert.deepEqual(decode(text), bytes, `length ${n}`);
  }
  assert.equal(encode(new Uint8Array([0xfb, 0xff])), '-_8');
  assert.deepEqual(decode('-_8'), new Uint8Array([0xfb, 0xff]));
  assert.equal(encodeJson({ alg: 'RS512' }), 'eyJhbGciOiJSUzUxMiJ9');
});

test('base64url: decode refuses characters outside the alphabet and impossible lengths', () => {
  for (const bad of ['A', 'AAAAA', 'AAAAAAAAA', 'ab+c', 'ab/c', 'aGk=', 'aG k', 'aGk\n', 'aGé_', 'a\u0000bc', 'a.bc']) {
    assert.throws(() => decode(bad), TypeError, JSON.stringify(bad));
  }
  assert.throws(() => decode(undefined), TypeError);
  assert.deepEqual(decode(''), new Uint8Array(0));
  assert.deepEqual(decode('aGk_'), enc.encode('hi?'));
});

// ---- the document cache (createRemoteJwks and the edge handler) ---------------

function fakeClock(start = 1_800_000_000_000) {
  let t = start;
  mock.method(Date, 'now', () => t);
  return { advance: (ms) => (t += ms) };
}

test('cachedDocument: fetched once while fresh, again after maxAgeMs; concurrent callers share one fetch', async (t) => {
  t.after(() => mock.restoreAll());
  const clock = fakeClock();
  let loads = 0;
  const cache = cachedDocument(async () => ({ value: { n: ++loads }, maxAgeMs: 1000 }), { cooldownMs: 60_000 });
  const [a, b] = await Promise.all([cache.get(), cache.get()]);
  assert.equal(loads, 1);
  assert.equal(a, b);
  clock.advance(999);
  assert.equal(await cache.get(), a, 'still fresh');
  clock.advance(1);
  assert.deepEqual(await cache.get(), { n: 2 }, 'expired at maxAgeMs');
  assert.equal(loads, 2);
});

test('cachedDocument: refresh() fetches at most once per cooldown, sharing the fetch or the result', async (t) => {
  t.after(() => mock.restoreAll());
  const clock = fakeClock();
  let loads = 0;
  const cache = cachedDocument(async () => ({ value: { n: ++loads }, maxAgeMs: 3_600_000 }), { cooldownMs: 60_000 });
  assert.equal(cache.refresh(), cache.refresh(), 'the second refresh shares the first one in flight');
  assert.deepEqual(await cache.refresh(), { n: 1 });
  assert.equal(loads, 1);
  assert.deepEqual(cache.refresh(), { n: 1 }, 'within the cooldown: the document held');
  clock.advance(60_000);
  assert.deepEqual(await cache.refresh(), { n: 2 });
  assert.equal(loads, 2);
  const empty = cachedDocument(async () => {
    throw new Error('down');
  }, { cooldownMs: 60_000 });
  await assert.rejects(empty.refresh(), /down/);
  assert.equal(empty.refresh(), undefined, 'nothing held, nothing in flight');
});

test('cachedDocument: a failed fetch keeps the previous document and is tried again on the next get', async (t) => {
  t.after(() => mock.restoreAll());
  const clock = fakeClock();
  let fail = false, loads = 0;
  const cache = cachedDocument(async () => {
    loads++;
    if (fail) throw new Error('down');
    return { value: { ok: true }, maxAgeMs: 1000 };
  }, { cooldownMs: 60_000 });
  const first = await cache.get();
  clock.advance(1000);
  fail = true;
  await assert.rejects(cache.get(), /down/);
  await assert.rejects(cache.get(), /down/);
  assert.equal(loads, 3, 'each get after a failure fetches again');
  await assert.rejects(cache.refresh(), /down/);
  assert.equal(cache.refresh(), first, 'within the cooldown: the previous document');
  assert.equal(loads, 4);
  fail = false;
  const second = await cache.get();
  assert.notEqual(second, first, 'a fresh copy');
  assert.equal(await cache.get(), second);
});

// ---- configuration --------------------------------------------------------------

test('parseEdgeOptions: defaults, endpoints from the environment, a frozen configuration', () => {
  const c = parseEdgeOptions({ ...BASE, allowedOrigins: ['https://spa.example/', 'http://localhost:5173'] });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.endpoints));
  assert.equal(c.issuer, ISSUERS.sandpit);
  assert.deepEqual(c.endpoints, {
    token: 'https://auth.sandpit.signin.nhs.uk/token',
    userinfo: 'https://auth.sandpit.signin.nhs.uk/userinfo',
    jwks: 'https://auth.sandpit.signin.nhs.uk/.well-known/jwks.json',
    discovery: 'https://auth.sandpit.signin.nhs.uk/.well-known/openid-configuration',
  });
  assert.deepEqual([...c.allowedOrigins], ['https://spa.example', 'http://localhost:5173']);
  assert.deepEqual([...c.redirectUris], ['https://spa.example/cb']);
  assert.deepEqual(
    { base: c.base, timeoutMs: c.timeoutMs, clockSkewSeconds: c.clockSkewSeconds, sessionSeconds: c.sessionSeconds, idleSeconds: c.idleSeconds, requireNonce: c.requireNonce, cookieSecret: c.cookieSecret, vtr: c.vtr, keyId: c.keyId },
    { base: '/auth', timeoutMs: 10000, clockSkewSeconds: 60, sessionSeconds: 43200, idleSeconds: 1800, requireNonce: true, cookieSecret: undefined, vtr: undefined, keyId: undefined },
  );
  assert.deepEqual(c.privateKeyDer, new Uint8Array([0, 0, 0]));
  assert.equal(typeof c.fetch, 'function');
  assert.equal(c.log({}), undefined);

  const d = parseEdgeOptions({ ...BASE, issuer: 'http://127.0.0.1:9000', basePath: '/api/nhs/', tokenEndpoint: 'https://other.example/t', cookieSecret: SECRET, requireNonce: false, timeoutMs: 120000, clockSkewSeconds: 0, sessionSeconds: 60, vtr: ['P9.Cp.Cd', 'P5.Cm'], keyId: 'k1' });
  assert.equal(d.issuer, 'http://127.0.0.1:9000');
  assert.equal(d.endpoints.token, 'https://other.example/t');
  assert.equal(d.endpoints.userinfo, 'http://127.0.0.1:9000/userinfo');
  assert.equal(d.base, '/api/nhs');
  assert.deepEqual(d.cookieSecret, new Uint8Array(32).fill(7));
  assert.deepEqual([d.requireNonce, d.timeoutMs, d.clockSkewSeconds, d.sessionSeconds, d.keyId], [false, 120000, 0, 60, 'k1']);
  assert.deepEqual(d.vtr, ['P9.Cp.Cd', 'P5.Cm']);
  assert.equal(parseEdgeOptions({ ...BASE, environment: 'production' }).issuer, 'https://auth.login.nhs.uk');
  assert.equal(parseEdgeOptions({ ...BASE, environment: 'integration' }).issuer, 'https://auth.aos.signin.nhs.uk');
});

test('parseEdgeOptions: each mistake is invalid_option with its message', () => {
  const cases = [
    [{ clientId: undefined }, 'option `clientId` is required'],
    [{ clientId: 7 }, 'option `clientId` is required'],
    [{ environment: 'dev' }, 'option `environment` (sandpit, integration, production) or `issuer` is required'],
    [{ environment: 'toString' }, 'option `environment` (sandpit, integration, production) or `issuer` is required'],
    [{ issuer: 'auth.login.nhs.uk' }, 'option `issuer` must be an absolute URL'],
    [{ issuer: 'http://nhs.example' }, 'option `issuer` must be https (http only on loopback), without fragment or credentials'],
    [{ issuer: 'https://u:p@nhs.example' }, 'option `issuer` must be https (http only on loopback), without fragment or credentials'],
    [{ userinfoEndpoint: 'https://nhs.example/u#x' }, 'option `userinfoEndpoint` must be https (http only on loopback), without fragment or credentials'],
    [{ jwksUri: 'ftp://nhs.example/jwks' }, 'option `jwksUri` must be https (http only on loopback), without fragment or credentials'],
    [{ discoveryUrl: '/discovery' }, 'option `discoveryUrl` must be an absolute URL'],
    [{ privateKey: 42 }, 'option `privateKey` must be a PKCS#8 PEM string'],
    [{ privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----' }, 'option `privateKey` is an RSA key in PKCS#1 form; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pkcs8.pem`'],
    [{ privateKey: 'AAAA' }, 'option `privateKey` must be an RSA private key as a PKCS#8 PEM, as `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` writes it (not encrypted, not an OpenSSH, EC or public key)'],
    [{ keyId: 5 }, 'option `keyId` must be a string'],
    [{ allowedOrigins: [] }, 'option `allowedOrigins` must list the origins of your SPA'],
    [{ allowedOrigins: 'https://spa.example' }, 'option `allowedOrigins` must list the origins of your SPA'],
    [{ allowedOrigins: ['spa.example'] }, 'option `allowedOrigins` has "spa.example", which is not an origin like https://my-service.nhs.uk'],
    [{ allowedOrigins: ['https://spa.example/app'] }, 'option `allowedOrigins` has "https://spa.example/app", which is not an origin like https://my-service.nhs.uk'],
    [{ allowedOrigins: ['file:///x'] }, 'option `allowedOrigins` has "file:///x", which is not an origin like https://my-service.nhs.uk'],
    [{ redirectUris: undefined }, 'option `redirectUris` must list the registered redirect URIs'],
    [{ redirectUris: [1] }, 'option `redirectUris` must list the registered redirect URIs'],
    [{ redirectUris: ['https://spa.example/cb?from=nhs'] }, 'option `redirectUris` has "https://spa.example/cb?from=nhs": a redirect URI must be https (http only on loopback) without a query string or fragment (EIS 7.3)'],
    [{ redirectUris: ['https://spa.example/cb?'] }, 'option `redirectUris` has "https://spa.example/cb?": a redirect URI must be https (http only on loopback) without a query string or fragment (EIS 7.3)'],
    [{ redirectUris: ['http://spa.example/cb'] }, 'option `redirectUris` has "http://spa.example/cb": a redirect URI must be https (http only on loopback) without a query string or fragment (EIS 7.3)'],
    [{ redirectUris: [`https://spa.example/${'x'.repeat(300)}#f`] }, `option \`redirectUris\` has "https://spa.example/${'x'.repeat(180)}": a redirect URI must be https (http only on loopback) without a query string or fragment (EIS 7.3)`],
    [{ basePath: 'auth' }, 'option `basePath` must be a path starting with "/"'],
    [{ basePath: '/a b' }, 'option `basePath` must be a path starting with "/"'],
    [{ timeoutMs: 0 }, 'option `timeoutMs` must be a number of milliseconds from 1 to 120000'],
    [{ timeoutMs: 120001 }, 'option `timeoutMs` must be a number of milliseconds from 1 to 120000'],
    [{ timeoutMs: '5000' }, 'option `timeoutMs` must be a number of milliseconds from 1 to 120000'],
    [{ vtr: 'P9.Cp.Cd' }, 'option `vtr` must be an array of NHS login vectors such as ["P9.Cp.Cd", "P9.Cm"]'],
    [{ vtr: [] }, 'option `vtr` must be an array of NHS login vectors such as ["P9.Cp.Cd", "P9.Cm"]'],
    [{ vtr: ['P7.Cp'] }, 'option `vtr` must be an array of NHS login vectors such as ["P9.Cp.Cd", "P9.Cm"]'],
    [{ clockSkewSeconds: 'x' }, 'option `clockSkewSeconds` must be a number from 0 to 600'],
    [{ clockSkewSeconds: 601 }, 'option `clockSkewSeconds` must be a number from 0 to 600'],
    [{ sessionSeconds: -5 }, 'option `sessionSeconds` must be a whole number of seconds from 60 to 2592000'],
    [{ idleSeconds: 30 }, 'option `idleSeconds` must be a whole number of seconds from 60 to `sessionSeconds`'],
    [{ idleSeconds: 43201 }, 'option `idleSeconds` must be a whole number of seconds from 60 to `sessionSeconds`'],
    [{ sessionSeconds: 60.5 }, 'option `sessionSeconds` must be a whole number of seconds from 60 to 2592000'],
    [{ sessionSeconds: 2592001 }, 'option `sessionSeconds` must be a whole number of seconds from 60 to 2592000'],
    [{ cookieSecret: 'short' }, 'option `cookieSecret` must be 32 random bytes, base64url (e.g. from `openssl rand -base64 32 | tr +/ -_ | tr -d =`)'],
    [{ cookieSecret: Buffer.alloc(32).toString('base64') }, 'option `cookieSecret` must be 32 random bytes, base64url (e.g. from `openssl rand -base64 32 | tr +/ -_ | tr -d =`)'],
    [{ cookieSecret: 32 }, 'option `cookieSecret` must be 32 random bytes, base64url (e.g. from `openssl rand -base64 32 | tr +/ -_ | tr -d =`)'],
  ];
  for (const [over, message] of cases) {
    assert.throws(() => parseEdgeOptions({ ...BASE, ...over }), (e) => e.name === 'NhsLoginError' && e.code === 'invalid_option' && e.message === message, JSON.stringify(over));
  }
  // Checked in a fixed order: the first mistake is the one named.
  assert.throws(() => parseEdgeOptions({ ...BASE, clientId: '', timeoutMs: 0 }), { message: 'option `clientId` is required' });
  assert.throws(() => parseEdgeOptions({ ...BASE, redirectUris: [], allowedOrigins: [] }), /allowedOrigins/);
  assert.throws(() => parseEdgeOptions(), { code: 'invalid_option', message: 'option `clientId` is required' });
});

// ---- HTTP vocabulary ------------------------------------------------------------

test('errorAnswer: an HttpError answers as itself; anything else as an opaque 500', () => {
  assert.deepEqual(errorAnswer(new HttpError(405, 'method_not_allowed', 'use POST', { allow: 'POST' })), {
    status: 405,
    body: { error: 'method_not_allowed', error_description: 'use POST' },
    headers: { allow: 'POST' },
    internal: false,
  });
  // NHS login's errors say so (error_source), the edge's own do not.
  assert.deepEqual(errorAnswer(new HttpError(400, 'invalid_grant', 'expired', undefined, 'nhs_login')).body, { error: 'invalid_grant', error_description: 'expired', error_source: 'nhs_login' });
  for (const e of [new Error('secret-ish detail'), new TypeError('x'), 'a string', undefined]) {
    assert.deepEqual(errorAnswer(e), { status: 500, body: { error: 'server_error', error_description: 'internal error' }, headers: undefined, internal: true });
  }
});

test('jsonResponse and jsonObjectOf', async () => {
  const r = jsonResponse(201, { a: 1 }, { 'cache-control': 'private', 'x-y': 'z' });
  assert.equal(r.status, 201);
  assert.deepEqual(Object.fromEntries(r.headers), { 'content-type': 'application/json', 'cache-control': 'private', pragma: 'no-cache', 'x-y': 'z' });
  assert.deepEqual(await r.json(), { a: 1 });
  assert.equal(jsonResponse(200, {}).headers.get('cache-control'), 'no-store');
  assert.deepEqual(jsonObjectOf('{"a":[1]}'), { a: [1] });
  for (const text of ['', 'null', '[1]', '"s"', '3', '{', 'true']) assert.equal(jsonObjectOf(text), undefined, text);
});

test('readLimited: reads up to the limit, fails fast beyond it', async () => {
  const stream = (...chunks) => new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(new Uint8Array(x)); c.close(); } });
  assert.deepEqual(await readLimited(stream([1, 2], [3]), 3, () => new Error('big')), new Uint8Array([1, 2, 3]));
  await assert.rejects(readLimited(stream([1, 2], [3, 4]), 3, () => new Error('big')), /big/);
  assert.deepEqual(await readLimited(null, 3, () => new Error('big')), new Uint8Array(0));
});

// ---- upstream answers -----------------------------------------------------------

test('bearerChallenge: RFC 6750 §3 parameters, malformed ones left out', () => {
  assert.equal(publicBearerChallenge, bearerChallenge, 'edge.js exports it');
  const full = 'Bearer realm="nhs", error="invalid_token", error_description="The access token expired"';
  assert.deepEqual(bearerChallenge(headers({ 'www-authenticate': full })), { header: full, error: 'invalid_token', description: 'The access token expired' });
  assert.deepEqual(bearerChallenge(headers({})), { header: undefined, error: undefined, description: undefined });
  assert.deepEqual(bearerChallenge(headers({ 'www-authenticate': 'bearer' })), { header: 'bearer', error: undefined, description: undefined });
  assert.deepEqual(bearerChallenge(headers({ 'www-authenticate': 'Basic realm="x", error="invalid_token"' })), { header: undefined, error: 'invalid_token', description: undefined });
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearerish error="x"' })).header, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': `Bearer error_description="${'d'.repeat(1100)}"` })).header, undefined, 'over 1 KiB');
  // Not a parameter: a name that only ends in "error", an unterminated or escaped quote.
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearer xerror="invalid_token"' })).error, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearer error="invalid_token' })).error, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearer error="a\\"b"' })).error, undefined);
  // RFC 6749 A.7: error codes are 1 to 128 printable ASCII characters.
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearer error=""' })).error, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': `Bearer error="${'e'.repeat(129)}"` })).error, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': `Bearer error="${'e'.repeat(128)}"` })).error, 'e'.repeat(128));
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearer error="t\u00e9st"' })).error, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': `Bearer error_description="${'d'.repeat(513)}"` })).description, undefined);
  assert.equal(bearerChallenge(headers({ 'www-authenticate': 'Bearer ERROR="invalid_token"' })).error, 'invalid_token', 'names are case-insensitive');
});

test('passThroughError: NHS login error bodies passed through, else the challenge, else server_error; status kept for 4xx only', () => {
  const events = [];
  const log = (e) => events.push(e);
  const r = (status, json, h = {}) => ({ status, headers: headers(h), json });
  let e = passThroughError(r(400, { error: 'invalid_grant', error_description: 'expired code' }), 'token', log);
  assert.ok(e instanceof HttpError);
  assert.deepEqual([e.status, e.error, e.message, e.source], [400, 'invalid_grant', 'expired code', 'nhs_login']);
  assert.deepEqual(events, [{ event: 'upstream_error', what: 'token', status: 400, error: 'invalid_grant' }]);
  e = passThroughError(r(500, { error: 'x'.repeat(300), error_description: 'd'.repeat(900) }), 'token');
  assert.deepEqual([e.status, e.error.length, e.message.length], [502, 128, 512]);
  e = passThroughError(r(403, undefined, { 'www-authenticate': 'Bearer error="insufficient_scope", error_description="more"' }), 'userinfo');
  assert.deepEqual([e.status, e.error, e.message], [403, 'insufficient_scope', 'more']);
  e = passThroughError(r(503, undefined), 'refresh');
  assert.deepEqual([e.status, e.error, e.message], [502, 'server_error', 'NHS login answered the refresh request with HTTP 503 and no JSON error']);
  e = passThroughError(r(399, { other: 1 }), 'token');
  assert.deepEqual([e.status, e.error, e.message], [502, 'server_error', 'NHS login answered the token request with HTTP 399']);
  // invalid_client (RFC 6749 §5.2): what to check is added to NHS login's words.
  e = passThroughError(r(401, { error: 'invalid_client', error_description: 'assertion refused' }), 'token');
  assert.deepEqual([e.status, e.error], [401, 'invalid_client']);
  assert.match(e.message, /^assertion refused — NHS login refused this client's authentication: check that `clientId` .*`privateKey`.*`keyId` equals the kid/);
});

test('jsonOf: the JSON object of an answer, or a logged 502', () => {
  const events = [];
  assert.deepEqual(jsonOf({ status: 200, json: { a: 1 } }, 'JWKS'), { a: 1 });
  assert.throws(
    () => jsonOf({ status: 200, json: undefined }, 'JWKS', (e) => events.push(e)),
    (e) => e instanceof HttpError && e.status === 502 && e.error === 'server_error' && e.message === "NHS login's JWKS answer is not a JSON object (HTTP 200)",
  );
  assert.deepEqual(events, [{ event: 'upstream_not_json', what: 'JWKS', status: 200 }]);
});

test('createUpstream: manual redirects and a time-out on every call; unreachable is 502, time-out 504', async () => {
  const events = [];
  const seen = [];
  const upstream = createUpstream({
    timeoutMs: 1234,
    log: (e) => events.push(e),
    fetch: async (url, init) => {
      seen.push([url, init.redirect, init.signal instanceof AbortSignal, init.method]);
      if (url.endsWith('/down')) throw new TypeError('fetch failed');
      if (url.endsWith('/slow')) throw new DOMException('late', 'TimeoutError');
      return new Response('{"a":1}', { status: 201 });
    },
  });
  const ok = await upstream('https://nhs.example/ok', { method: 'POST' }, 'token');
  assert.deepEqual([ok.status, ok.json, ok.text], [201, { a: 1 }, '{"a":1}']);
  await assert.rejects(upstream('https://nhs.example/down', {}, 'token'), { status: 502, error: 'temporarily_unavailable', message: 'NHS login could not be reached for the token request' });
  await assert.rejects(upstream('https://nhs.example/slow', {}, 'JWKS'), { status: 504, error: 'temporarily_unavailable', message: 'NHS login did not answer the JWKS request within 1234 ms' });
  assert.deepEqual(seen[0], ['https://nhs.example/ok', 'manual', true, 'POST']);
  assert.deepEqual(events, [
    { event: 'upstream_failed', what: 'token', reason: 'unreachable' },
    { event: 'upstream_failed', what: 'JWKS', reason: 'timeout' },
  ]);
});

// ---- cached documents -----------------------------------------------------------

test('maxAgeOf: Cache-Control max-age or s-maxage, bounded to [60 s, 24 h]', () => {
  const age = (cc, fallback = 3600) => maxAgeOf(headers(cc === undefined ? {} : { 'cache-control': cc }), fallback);
  assert.equal(age(undefined), 3_600_000);
  assert.equal(age(undefined, 10), 60_000);
  assert.equal(age('public, max-age=300'), 300_000);
  assert.equal(age('s-maxage=120, max-age=300'), 120_000, 'the first one named');
  assert.equal(age('max-age = 90'), 90_000);
  assert.equal(age('MAX-AGE=90'), 90_000);
  assert.equal(age('max-age=0'), 60_000);
  assert.equal(age('max-age=59'), 60_000);
  assert.equal(age('max-age=86400'), 86_400_000);
  assert.equal(age('max-age=999999999'), 86_400_000);
  assert.equal(age('no-store'), 60_000);
  assert.equal(age('no-cache, max-age=600'), 60_000);
  assert.equal(age('foo-max-age=600'), 3_600_000, 'not a max-age directive');
  assert.equal(age('max-age=abc'), 3_600_000);
});

test('createDocuments: discovery checks the issuer; a mismatch is a 500 naming both, logged once', async () => {
  const events = [];
  let issuer = 'https://nhs.example';
  let calls = 0;
  const upstream = async (url, init, what) => {
    calls++;
    assert.deepEqual([url, init, what], ['https://nhs.example/disco', { headers: { accept: 'application/json' } }, 'discovery']);
    return { status: 200, headers: headers({ 'cache-control': 'max-age=0' }), json: { issuer } };
  };
  const config = { issuer: 'https://nhs.example', endpoints: { jwks: 'https://nhs.example/jwks', discovery: 'https://nhs.example/disco' }, log: (e) => events.push(e) };
  let docs = createDocuments(config, upstream);
  await docs.checkIssuer();
  await docs.checkIssuer();
  assert.equal(calls, 1, 'read once before the first exchange');
  docs.assertIssuer();
  assert.deepEqual((await docs.discovery.get()).json, { issuer: 'https://nhs.example' });

  issuer = 'https://nhs.example/';
  docs = createDocuments(config, upstream);
  const expected = issuerMismatchError('https://nhs.example', 'https://nhs.example/');
  assert.equal(expected.message, 'the edge handler is configured for issuer "https://nhs.example" but NHS login\'s discovery names "https://nhs.example/": set `environment` or `issuer` to the discovery issuer');
  await assert.rejects(docs.checkIssuer(), { status: 500, error: 'invalid_configuration', message: expected.message });
  assert.throws(() => docs.assertIssuer(), { status: 500, error: 'invalid_configuration' });
  await docs.discovery.get();
  assert.deepEqual(events, [{ event: 'invalid_configuration', configured: 'https://nhs.example', discovered: 'https://nhs.example/' }]);

  events.length = 0;
  docs = createDocuments(config, async () => ({ status: 200, headers: headers({}), json: { jwks_uri: 'x' } }));
  await assert.rejects(Promise.resolve(docs.discovery.get()), { status: 502, error: 'server_error', message: "NHS login's discovery document has no issuer" });
  await docs.checkIssuer();
  assert.deepEqual(events, [{ event: 'upstream_bad_discovery' }, { event: 'upstream_bad_discovery' }, { event: 'issuer_check_skipped' }]);
  docs = createDocuments(config, async () => ({ status: 404, headers: headers({}), json: undefined }));
  await assert.rejects(Promise.resolve(docs.jwks.get()), { status: 502, error: 'server_error', message: "NHS login's JWKS answered HTTP 404" });
});

// ---- the session cookie ----------------------------------------------------------

test('session cookie headers: __Host-, HttpOnly, Secure, SameSite=Strict; clearing it', () => {
  assert.equal(sessionCookieHeader('abc', 43200), '__Host-nhs-login=abc; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Strict');
  assert.equal(clearCookie, '__Host-nhs-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
});

test('sessionCookieValue: the session cookie among others; none when absent, malformed or too long', () => {
  assert.equal(sessionCookieValue('__Host-nhs-login=abc_-9'), 'abc_-9');
  assert.equal(sessionCookieValue('theme=dark; __Host-nhs-login=abc;other=1'), 'abc');
  assert.equal(sessionCookieValue('theme=dark;__Host-nhs-login=abc'), 'abc');
  assert.equal(sessionCookieValue('__Host-nhs-login=one; __Host-nhs-login=two'), 'one');
  assert.equal(sessionCookieValue('__Host-nhs-login=ab+c'), 'ab', 'read up to the first character outside base64url');
  assert.equal(sessionCookieValue('x__Host-nhs-login=abc'), undefined);
  assert.equal(sessionCookieValue('nhs-login=abc'), undefined);
  assert.equal(sessionCookieValue('__Host-nhs-login='), undefined);
  assert.equal(sessionCookieValue(''), undefined);
  assert.equal(sessionCookieValue(null), undefined);
  assert.equal(sessionCookieValue(`__Host-nhs-login=${'a'.repeat(8192)}`), 'a'.repeat(8192));
  assert.equal(sessionCookieValue(`__Host-nhs-login=${'a'.repeat(8193)}`), undefined);
});

test('sealSession/openSession: a round trip; tampering, another key or client, and expiry are refused', async () => {
  const key = await aesKey();
  const aad = enc.encode('nhs-login-client/session/v1/c');
  const session = { sub: 's-1', jti: 'j-1', rt: 'refresh-1', exp: 2000 };
  const sealed = await sealSession(key, aad, session);
  assert.match(sealed, /^[A-Za-z0-9_-]+$/);
  assert.notEqual(await sealSession(key, aad, session), sealed, 'a fresh IV each time');
  assert.ok(!Buffer.from(sealed, 'base64url').toString('latin1').includes('refresh-1'), 'encrypted');
  assert.deepEqual(await openSession(key, aad, sealed, 1999), session);
  await assert.rejects(openSession(key, aad, sealed, 2000), /expired/);
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  for (const i of [0, 16, sealed.length - 2]) await assert.rejects(openSession(key, aad, flip(sealed, i), 0), undefined, `byte ${i}`);
  await assert.rejects(openSession(await aesKey(new Uint8Array(32).fill(8)), aad, sealed, 0));
  await assert.rejects(openSession(key, enc.encode('nhs-login-client/session/v1/other'), sealed, 0));
  await assert.rejects(openSession(key, aad, 'not+base64', 0), TypeError);
});

test('createSessionCookie: seal answers Set-Cookie; open refuses with 401 (also idle or too old), or 501 without a secret', async (t) => {
  t.after(() => mock.restoreAll());
  const clock = fakeClock(1_000_000 * 1000);
  const cookie = createSessionCookie({ clientId: 'c', cookieSecret: new Uint8Array(32).fill(7), sessionSeconds: 600, idleSeconds: 120 });
  const times = cookie.times();
  assert.deepEqual(times, { createdAt: 1_000_000, lastUsedAt: 1_000_000, exp: 1_000_600 });
  const setCookie = await cookie.seal({ sub: 's', ...times });
  // Max-Age: what is left of the idle window.
  assert.match(setCookie, /^__Host-nhs-login=[A-Za-z0-9_-]+; Path=\/; Max-Age=120; HttpOnly; Secure; SameSite=Strict$/);
  const pair = setCookie.split(';')[0];
  const session = { sub: 's', ...times };
  assert.deepEqual(await cookie.open(`a=b; ${pair}`), session);
  // The same secret opens it (a key derived from the option, not from this instance)...
  assert.deepEqual(await createSessionCookie({ clientId: 'c', cookieSecret: new Uint8Array(32).fill(7), sessionSeconds: 600, idleSeconds: 120 }).open(pair), session);
  // ...another client's does not (the client id is the additional data).
  const loginRequired = { status: 401, error: 'login_required', message: 'no NHS login session: sign in again' };
  await assert.rejects(createSessionCookie({ clientId: 'd', cookieSecret: new Uint8Array(32).fill(7), sessionSeconds: 600 }).open(pair), loginRequired);
  // A character in the middle: the last one may carry unused bits only.
  const at = pair.indexOf('=') + 20;
  await assert.rejects(cookie.open(`${pair.slice(0, at)}${pair[at] === 'A' ? 'B' : 'A'}${pair.slice(at + 1)}`), loginRequired);
  await assert.rejects(cookie.open(null), loginRequired);
  await assert.rejects(cookie.open('__Host-nhs-login=%%%'), loginRequired);
  // Idle for the idle window: refused, whatever the browser's timers say.
  clock.advance(120 * 1000);
  await assert.rejects(cookie.open(pair), { status: 401, error: 'login_required', message: 'the NHS login session was idle for more than 120 s: sign in again' });
  // Used every 100 s: alive until the absolute deadline, then refused.
  let current = (await cookie.seal({ sub: 's', ...cookie.times() })).split(';')[0];
  for (let i = 0; i < 5; i++) {
    clock.advance(100 * 1000);
    const sealed = await cookie.seal(await cookie.open(current));
    current = sealed.split(';')[0];
    if (i === 4) assert.match(sealed, /Max-Age=100;/, 'at most what is left before the absolute deadline');
  }
  clock.advance(100 * 1000);
  await assert.rejects(cookie.open(current), loginRequired, 'past exp');
  await assert.rejects(createSessionCookie({ clientId: 'c', cookieSecret: undefined, sessionSeconds: 60 }).open(pair), { status: 501, error: 'unsupported', message: 'this route needs the `cookieSecret` option' });
});

test('sessionExpiry: idle, too old, past exp, or without timestamps', () => {
  const limits = { idleSeconds: 1800, sessionSeconds: 43200 };
  const s = { createdAt: 1000, lastUsedAt: 1000, exp: 1000 + 43200 };
  assert.equal(sessionExpiry(s, limits, 1000 + 1799), undefined);
  assert.equal(sessionExpiry(s, limits, 1000 + 1800), 'idle');
  assert.equal(sessionExpiry({ ...s, lastUsedAt: 44000 }, limits, 44199), undefined);
  assert.equal(sessionExpiry({ ...s, lastUsedAt: 44000 }, limits, 44200), 'max');
  assert.equal(sessionExpiry({ ...s, exp: 1500 }, limits, 1500), 'max');
  assert.equal(sessionExpiry({ exp: 1e12 }, limits, 1000), 'max');
});

// ---- signing ---------------------------------------------------------------------

test('jwtHeader and the assertion claims', () => {
  assert.deepEqual(jwtHeader('k1'), { alg: 'RS512', typ: 'JWT', kid: 'k1' });
  assert.deepEqual(jwtHeader(undefined), { alg: 'RS512', typ: 'JWT' });
  assert.deepEqual(jwtHeader(''), { alg: 'RS512', typ: 'JWT' });
  // RFC 8725 §3.11: an SSO assertion is typed apart from the client assertion.
  assert.deepEqual(jwtHeader('k1', 'nhs-login-sso+jwt'), { alg: 'RS512', typ: 'nhs-login-sso+jwt', kid: 'k1' });
  assert.deepEqual(clientAssertionClaims({ clientId: 'c', issuer: 'https://i', tokenEndpoint: 'https://i/token' }, 100, 'j'), { iss: 'c', sub: 'c', aud: ['https://i', 'https://i/token'], jti: 'j', iat: 100, exp: 160 });
  assert.deepEqual(ssoAssertionClaims('c', 'id-jti', 100, 'j'), { iss: 'c', jti: 'j', code: 'id-jti', iat: 100, exp: 160 });
});

test('createSigner: the client assertion (RFC 7523 §3) and SSO assertion, RS512-signed with the configured key', async () => {
  const key = await makeClientKey('kid-7');
  const config = parseEdgeOptions({ ...BASE, privateKey: key.pem, keyId: 'kid-7' });
  const signer = createSigner(config);
  const before = Math.floor(Date.now() / 1000);
  const [a, b] = [await signer.clientAssertion(), await signer.clientAssertion()];
  const after = Math.floor(Date.now() / 1000);
  const { header, payload } = decodeJwt(a);
  assert.deepEqual(header, { alg: 'RS512', typ: 'JWT', kid: 'kid-7' });
  assert.equal(payload.iss, 'c');
  assert.equal(payload.sub, 'c');
  assert.deepEqual(payload.aud, ['https://auth.sandpit.signin.nhs.uk', 'https://auth.sandpit.signin.nhs.uk/token']);
  assert.match(payload.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(decodeJwt(b).payload.jti, payload.jti, 'a fresh jti each time');
  assert.ok(payload.iat >= before && payload.iat <= after);
  assert.equal(payload.exp, payload.iat + 60);
  assert.deepEqual(Object.keys(payload), ['iss', 'sub', 'aud', 'jti', 'iat', 'exp']);
  assert.ok(await verifyRs512(a, key.publicKey), 'verifies with the public key');
  assert.ok(!(await verifyRs512(a, (await makeClientKey()).publicKey)), 'and with no other');

  const sso = await signer.ssoAssertion('id-token-jti');
  assert.deepEqual(decodeJwt(sso).header, { alg: 'RS512', typ: 'nhs-login-sso+jwt', kid: 'kid-7' });
  const claims = decodeJwt(sso).payload;
  assert.deepEqual([claims.iss, claims.code, claims.exp - claims.iat, Object.keys(claims)], ['c', 'id-token-jti', 60, ['iss', 'jti', 'code', 'iat', 'exp']]);
  assert.ok(await verifyRs512(sso, key.publicKey));

  const noKid = createSigner(parseEdgeOptions({ ...BASE, privateKey: key.pem }));
  assert.deepEqual(decodeJwt(await noKid.clientAssertion()).header, { alg: 'RS512', typ: 'JWT' });
});

test('createSigner: a key WebCrypto cannot import is a 500 that names no secret', async () => {
  const signer = createSigner(parseEdgeOptions(BASE)); // "AAAA": three zero bytes, not a key
  for (let i = 0; i < 2; i++) {
    await assert.rejects(signer.clientAssertion(), (e) => e instanceof HttpError && e.status === 500 && e.error === 'server_error' && e.message === 'the configured private key could not be imported (it must be an RSA PKCS#8 key)');
  }
});

// ---- routes' request helpers -------------------------------------------------------

test('field and pick', () => {
  assert.equal(field({ code: 'abc' }, 'code', /^[a-c]+$/), 'abc');
  assert.throws(() => field({}, 'code'), { status: 400, error: 'invalid_request', message: '`code` is required' });
  assert.throws(() => field({ code: '' }, 'code'), { message: '`code` is required' });
  assert.throws(() => field({ code: 5 }, 'code'), { message: '`code` is required' });
  assert.throws(() => field({ code: 'abd' }, 'code', /^[a-c]+$/), { status: 400, message: '`code` is malformed' });
  assert.deepEqual(pick({ a: 1, b: undefined, c: null, d: 4 }, ['a', 'b', 'c', 'e']), { a: 1, c: null });
});

// ---- dispatch: routes, Origin checks, CORS --------------------------------------------

test('corsHeaders: the allowed origin with credentials; nothing for others', () => {
  const allowed = new Set(['https://spa.example']);
  assert.deepEqual(corsHeaders('https://spa.example', allowed), {
    'access-control-allow-origin': 'https://spa.example',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'Date',
  });
  assert.deepEqual(corsHeaders('https://evil.example', allowed), {});
  assert.deepEqual(corsHeaders(null, allowed), {});
  assert.deepEqual(corsHeaders('', allowed), {});
});

test('admit: origins, preflights, methods and the CSRF rule, in that order', () => {
  const allowed = new Set(['https://spa.example']);
  const post = () => 'post';
  const get = () => 'get';
  const route = { POST: post };
  const forbidden = (message) => (e) => e instanceof HttpError && e.status === 403 && e.error === 'forbidden_origin' && e.message === message;
  const notAllowed = (shown) => forbidden(`the origin ${shown} is not allowed: add it to the edge's option \`allowedOrigins\` (or serve the page from the edge's own origin)`);
  assert.throws(() => admit('POST', 'https://evil.example', route, allowed), notAllowed('"https://evil.example"'));
  assert.throws(() => admit('GET', 'null', { GET: get }, allowed), notAllowed('"null"'));
  // The client's text is echoed only when it is an origin.
  for (const odd of ['https://a.example/<script>', 'x'.repeat(300), 'https://a.example\r\nset-cookie: a=b', 'javascript:alert(1)']) {
    assert.throws(() => admit('POST', odd, route, allowed), notAllowed('(a malformed Origin header)'), odd);
  }
  assert.throws(() => admit('OPTIONS', null, route, allowed), forbidden('a preflight needs an Origin'));
  assert.deepEqual(admit('OPTIONS', 'https://spa.example', { GET: get, POST: post }, allowed), { preflight: preflightHeaders({ GET: get, POST: post }) });
  assert.deepEqual(preflightHeaders({ GET: get, POST: post }), {
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'content-type, authorization',
    'access-control-max-age': '600',
    'cache-control': 'no-store',
  });
  assert.throws(() => admit('POST', null, route, allowed), forbidden('POST requests need an Origin header'));
  assert.deepEqual(admit('POST', 'https://spa.example', route, allowed), { handler: post });
  assert.deepEqual(admit('GET', null, { GET: get }, allowed), { handler: get }, 'a same-origin GET needs no Origin');
  // A wrong method is a 405 before the POST rule: a POST without Origin to a GET route.
  assert.throws(() => admit('POST', null, { GET: get }, allowed), (e) => e.status === 405 && e.error === 'method_not_allowed' && e.message === 'use GET' && e.headers.allow === 'GET');
  assert.throws(() => admit('DELETE', 'https://spa.example', { GET: get, POST: post }, allowed), (e) => e.status === 405 && e.message === 'use GET or POST' && e.headers.allow === 'GET, POST');
  assert.throws(() => admit('toString', 'https://spa.example', route, allowed), { status: 405 }, 'only own methods');
});

test('routeOf: routes under the base path only', () => {
  const routes = { '/token': { POST: () => {} } };
  assert.deepEqual(routeOf('/auth/token', '/auth', routes), { inBase: true, route: routes['/token'] });
  assert.deepEqual(routeOf('/auth/nope', '/auth', routes), { inBase: true, route: undefined });
  assert.deepEqual(routeOf('/auth', '/auth', routes), { inBase: true, route: undefined });
  assert.deepEqual(routeOf('/auth/__proto__', '/auth', routes), { inBase: true, route: undefined });
  assert.deepEqual(routeOf('/authx/token', '/auth', routes), { inBase: false });
  assert.deepEqual(routeOf('/token', '/auth', routes), { inBase: false });
  assert.deepEqual(routeOf('/token', '', routes), { inBase: true, route: routes['/token'] }, 'basePath "/"');
});

// ---- the /token rate limit ---------------------------------------------------------
test('createTokenBucket: bursts up to `requests`, refills over the period, says how long to wait; defaultClientKey', async () => {
  const { createTokenBucket, defaultClientKey, DEFAULT_TOKEN_LIMIT } = await import('../src/edge-ratelimit.js');
  assert.deepEqual(DEFAULT_TOKEN_LIMIT, { requests: 10, periodSeconds: 60 });
  let t = 0;
  const b = createTokenBucket({ requests: 2, periodSeconds: 60 }, () => t);
  assert.deepEqual([b.take('a'), b.take('a'), b.take('a'), b.take('b')], [0, 0, 30, 0]);
  t += 29_000;
  assert.equal(b.take('a'), 1);
  t += 1_000;
  assert.equal(b.take('a'), 0);
  const req = (h) => new Request('https://e.example/', { headers: h });
  assert.equal(defaultClientKey(req({ 'cf-connecting-ip': '192.0.2.1', 'x-forwarded-for': '198.51.100.1' })), '192.0.2.1');
  assert.equal(defaultClientKey(req({ 'x-forwarded-for': ' 198.51.100.1 , 10.0.0.1' })), '198.51.100.1');
  assert.equal(defaultClientKey(req({})), 'shared');
});

// Issue 12: what a /token request may ask for, and the userinfo update body (EIS §3.6.3).
test('requestVtr narrows the configured vectors, never widens them', async () => {
  const { requestVtr } = await import('../src/edge-routes.js');
  const configured = ['P9.Cp.Cd', 'P5.Cp.Cd'];
  assert.equal(requestVtr(undefined, configured), undefined);
  assert.deepEqual(requestVtr(['P9.Cp.Cd', 'P9.Cp.Cd'], configured), ['P9.Cp.Cd']);
  for (const bad of [[], ['P9.Cm'], 'P9.Cp.Cd', [1], ['P9.Cp.Cd', 'P5.Cp.Cd', 'P0.Cp']]) {
    assert.throws(() => requestVtr(bad, configured), (e) => e.status === 400 && e.error === 'invalid_request', JSON.stringify(bad));
  }
  // Both lists are named; what is not a vector of trust is not echoed.
  assert.throws(() => requestVtr(['P5.Cp.Cd', 'P0.Cp'], ['P9.Cp.Cd']), {
    message: "the page asked for vectors of trust [P5.Cp.Cd, P0.Cp] but this handler accepts only [P9.Cp.Cd] (its option `vtr`): configure the same vectors in the page and the edge",
  });
  assert.throws(() => requestVtr(['<b>x</b>'], configured), /asked for vectors of trust \[\(not a vector of trust\)\]/);
  assert.throws(() => requestVtr('P5', configured), /\[\(not a list of vectors\)\]/);
});

test('clientUserMetadata: one string member of at most 1024 characters', async () => {
  const { clientUserMetadata } = await import('../src/edge-routes.js');
  assert.equal(clientUserMetadata({ client_user_metadata: '' }), '');
  assert.equal(clientUserMetadata({ client_user_metadata: 'x'.repeat(1024) }).length, 1024);
  for (const bad of [{}, { client_user_metadata: 'x'.repeat(1025) }, { client_user_metadata: null }, { client_user_metadata: 'a', b: 1 }]) {
    assert.throws(() => clientUserMetadata(bad), (e) => e.status === 400 && e.error === 'invalid_request');
  }
});
