// The edge handler's bad-input and fault cases, written once and run in every
// runtime (Node directly, workerd through miniflare). `makeSend(config)`
// returns `send(path, init)` -> Response for a handler created with `config`.
import assert from 'node:assert/strict';
import { startFaultyUpstream, deadPort } from './upstream.js';

const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const VERIFIER = 'a'.repeat(43);

export function edgeFaultSuite(test, { before, after }, makeSend, makeKey) {
  let up, send, dead, key;
  const config = (over = {}) => ({
    issuer: up.url,
    clientId: 'edge-client',
    privateKey: key.pem,
    keyId: 'client-key-1',
    allowedOrigins: [ORIGIN],
    redirectUris: [REDIRECT],
    timeoutMs: 800,
    cookieSecret: Buffer.alloc(32, 7).toString('base64url'),
    // These cases call /token far more often than the default limit (10 a minute per client)
    // allows; the limit itself is tested in edge-sessions.js.
    rateLimit: { requests: 10000, periodSeconds: 60 },
    ...over,
  });
  before(async () => {
    key = await makeKey();
    up = await startFaultyUpstream();
    dead = await deadPort();
    send = await makeSend(config());
  });
  after(() => up?.close());

  const post = (path, body, headers = {}) =>
    send(path, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const good = { code: 'abc', code_verifier: VERIFIER, redirect_uri: REDIRECT, nonce: 'n-1' };
  const expectError = async (res, status, error) => {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-type'), /application\/json/);
    const body = await res.json();
    assert.equal(body.error, error, JSON.stringify(body));
    assert.equal(typeof body.error_description, 'string');
    return body;
  };

  test('wrong method is 405 with Allow', async () => {
    const res = await send('/auth/token', { method: 'GET', headers: { origin: ORIGIN } });
    await expectError(res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'POST');
    await expectError(await send('/auth/jwks', { method: 'DELETE' }), 405, 'method_not_allowed');
  });

  test('unknown route is 404', async () => {
    await expectError(await send('/auth/nope', { method: 'GET' }), 404, 'not_found');
    await expectError(await send('/other', { method: 'GET' }), 404, 'not_found');
  });

  test('Origin not allowed is 403, POST without Origin is 403, preflight only for allowed origins', async () => {
    await expectError(await post('/auth/token', good, { origin: 'https://evil.example' }), 403, 'forbidden_origin');
    await expectError(await send('/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) }), 403, 'forbidden_origin');
    const pre = await send('/auth/token', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    const evil = await send('/auth/token', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('content type, JSON, size and fields are checked before NHS login is called', async () => {
    const before = up.seen.length;
    await expectError(await post('/auth/token', good, { 'content-type': 'text/plain' }), 415, 'invalid_request');
    await expectError(await post('/auth/token', 'not json'), 400, 'invalid_request');
    await expectError(await post('/auth/token', '[1]'), 400, 'invalid_request');
    await expectError(await post('/auth/token', { ...good, pad: 'x'.repeat(17 * 1024) }), 413, 'invalid_request');
    await expectError(await post('/auth/token', { ...good, code: undefined }), 400, 'invalid_request');
    await expectError(await post('/auth/token', { ...good, code_verifier: 'short' }), 400, 'invalid_request');
    await expectError(await post('/auth/token', { ...good, nonce: undefined }), 400, 'invalid_request');
    const wrongRedirect = await expectError(await post('/auth/token', { ...good, redirect_uri: 'https://evil.example/cb' }), 400, 'invalid_request');
    assert.match(wrongRedirect.error_description, /redirect_uri/);
    assert.equal(up.seen.length, before, 'no upstream call for bad input');
  });

  test('NHS login errors pass through as { error, error_description }', async () => {
    up.mode = 'error';
    const body = await expectError(await post('/auth/token', good), 400, 'invalid_grant');
    assert.equal(body.error_description, 'code expired');
    assert.equal(body.extra, undefined);
    // The request carried a private_key_jwt assertion, never a secret.
    const sent = new URLSearchParams(up.seen.at(-1).body);
    assert.equal(sent.get('grant_type'), 'authorization_code');
    assert.equal(sent.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(sent.get('code_verifier'), VERIFIER);
    assert.equal(sent.get('client_secret'), null);
    assert.equal(up.seen.at(-1).url, '/token');
  });

  test('NHS login 5xx, non-JSON and oversized answers are 502; slow is 504; unreachable is 502', async () => {
    up.mode = 'server-error';
    await expectError(await post('/auth/token', good), 502, 'server_error');
    up.mode = 'html';
    await expectError(await post('/auth/token', good), 502, 'server_error');
    up.mode = 'huge';
    await expectError(await post('/auth/token', good), 502, 'server_error');
    up.mode = 'drop';
    await expectError(await post('/auth/token', good), 502, 'temporarily_unavailable');
    up.mode = 'slow';
    const t0 = Date.now();
    await expectError(await post('/auth/token', good), 504, 'temporarily_unavailable');
    assert.ok(Date.now() - t0 < 2500, 'the time-out fires before the slow answer');
    up.mode = 'ok';
    const deadSend = await makeSend(config({ issuer: `http://127.0.0.1:${dead}` }));
    await expectError(await deadSend('/auth/jwks', { method: 'GET' }), 502, 'temporarily_unavailable');
  });

  test('errors never echo the private key, the assertion or tokens', async () => {
    up.mode = 'error';
    const res = await post('/auth/token', { ...good, code: 'secret-code-123' });
    const text = await res.text();
    const assertion = new URLSearchParams(up.seen.at(-1).body).get('client_assertion');
    assert.ok(assertion.length > 100);
    for (const secret of [assertion, 'secret-code-123', VERIFIER, 'PRIVATE KEY']) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 20)}`);
    up.mode = 'ok';
  });

  test('cookie routes need a valid session cookie', async () => {
    await expectError(await post('/auth/refresh', {}), 401, 'login_required');
    await expectError(await post('/auth/refresh', {}, { cookie: '__Host-nhs-login=AAAA' }), 401, 'login_required');
    await expectError(await send('/auth/userinfo', { method: 'GET', headers: { origin: ORIGIN } }), 401, 'invalid_token');
    await expectError(await post('/auth/sso-assertion', {}), 401, 'login_required');
  });
}

export { ORIGIN, REDIRECT };
