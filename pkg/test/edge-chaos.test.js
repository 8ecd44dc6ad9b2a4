// Fault injection for the edge handler, in Node AND in workerd (miniflare).
//
// "NHS login" is a deliberately faulty HTTP server on loopback
// (upstream.js; a real server, not an injected fetch, so workerd reaches it
// too): slow, down, reset, 5xx, truncated (Content-Length or chunked), a body
// that never ends, non-JSON, a JSON array, oversized, a redirect, a huge
// error_description, token answers without id_token or not Bearer, the
// provider's signing key rotating away between exchanges, and clock skew on
// either side. ID tokens are signed in the test with provider keys generated
// here (helpers.js makeKey/sign).
//
// Every case must end within a bounded time (asserted), with a JSON
// `{ error, error_description }` answer, and with no secret (the private key's
// PEM body, a client assertion, the code, the code_verifier, a token) in the
// answer or in any event the handler gives its `log` option.
//
// Regression: concurrent exchanges during a key rotation used to fail while
// the one refetch was in flight (see the test).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { createEdgeHandler } from 'nhs-login-client/edge';
import { makeClientKey, makeKey, sign, baseClaims } from './helpers.js';
import { startFaultyUpstream, deadPort, JWKS_PATH } from './upstream.js';
import { workerdSend, disposeAll } from './workerd/run.js';

const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const CLIENT = 'edge-client';
const TIMEOUT_MS = 800; // the handler's timeoutMs
const SKEW = 120; // the handler's clockSkewSeconds (not the default, to show the option is used)
// Upper bounds on the time from request to the end of the answer's body (a
// shared, noisy 2-core machine: generous, but far below "hangs").
const FAST_MS = 4000; // failures that need no time-out
const TIMED_OUT_MS = TIMEOUT_MS + 3000; // failures that wait for the time-out
const TEST_TIMEOUT = 30_000; // node:test cancels a hung case

// Secrets of this run: unique, so a leak cannot be a coincidence.
const CODE = `chaos-code-${randomBytes(12).toString('base64url')}`;
const VERIFIER = randomBytes(48).toString('base64url'); // 64 chars, RFC 7636 alphabet
const NONCE = `nonce-${randomUUID()}`;
const ACCESS_TOKEN = `chaos-at-${randomBytes(24).toString('base64url')}`;
const REFRESH_TOKEN = `chaos-rt-${randomBytes(24).toString('base64url')}`;

// ---- the two runtimes: `make(config)` -> { send(path, init), logs() } -----------

const runtimes = [
  {
    name: 'node',
    async make(config) {
      const events = [];
      const handler = createEdgeHandler({ ...config, log: (event) => events.push(JSON.stringify(event)) });
      return { send: (path, init) => handler(new Request(`https://edge.example${path}`, init)), logs: async () => events.splice(0) };
    },
  },
  {
    name: 'workerd',
    async make(config) {
      const send = await workerdSend(config, { worker: 'logging-worker.js' });
      return { send, logs: async () => (await send('/__test/log')).json() };
    },
  },
];
after(disposeAll);

for (const runtime of runtimes) {
  describe(`edge handler under faults (${runtime.name})`, () => {
    let up, up2, key, k1, k2, k3, main, aux, dead;
    const idTokens = []; // every ID token served: a secret too
    const secretsFor = (allowed = []) => {
      const pemBody = key.pem.split('\n').filter((l) => l && !l.startsWith('-----'));
      const assertions = [up, up2]
        .flatMap((u) => u.seen)
        .map((s) => new URLSearchParams(s.body).get('client_assertion'))
        .filter(Boolean);
      const all = [
        ['PRIVATE KEY marker', 'PRIVATE KEY'],
        ...pemBody.map((l, i) => [`PEM line ${i}`, l.slice(0, 40)]),
        ...assertions.flatMap((a, i) => [[`client assertion ${i}`, a], [`client assertion ${i} signature`, a.slice(a.lastIndexOf('.') + 1)], [`client assertion ${i} payload`, a.split('.')[1]]]),
        ['code', CODE],
        ['code_verifier', VERIFIER],
        ['access token', ACCESS_TOKEN],
        ['refresh token', REFRESH_TOKEN],
        ...idTokens.flatMap((t, i) => [[`ID token ${i}`, t], [`ID token ${i} signature`, t.slice(t.lastIndexOf('.') + 1)]]),
      ];
      // A token legitimately in a 200 answer, with its parts.
      return all.filter(([, s]) => !allowed.some((a) => a.includes(s)));
    };
    const assertNoSecrets = (text, where, allowed) => {
      for (const [name, s] of secretsFor(allowed)) assert.ok(!text.includes(s), `${name} leaked in ${where}`);
    };

    const config = (issuer, over = {}) => ({
      issuer,
      clientId: CLIENT,
      privateKey: key.pem,
      keyId: 'client-key-1',
      allowedOrigins: [ORIGIN],
      redirectUris: [REDIRECT],
      timeoutMs: TIMEOUT_MS,
      clockSkewSeconds: SKEW,
      cookieSecret: Buffer.alloc(32, 3).toString('base64url'),
      // These cases call /token far more often than the default limit (10 a minute per client)
      // allows; the limit itself is tested in edge-sessions.js.
      rateLimit: { requests: 10000, periodSeconds: 60 },
      ...over,
    });

    before(async () => {
      [key, k1, k2, k3] = await Promise.all([makeClientKey(), makeKey('provider-k1'), makeKey('provider-k2'), makeKey('provider-k3')]);
      [up, up2, dead] = await Promise.all([startFaultyUpstream(), startFaultyUpstream(), deadPort()]);
      up.jwks = { keys: [k1.jwk] };
      [main, aux] = await Promise.all([
        runtime.make(config(up.url)),
        // NHS login down for the token endpoint (connection refused); JWKS and
        // discovery at paths where the upstream's fault modes apply.
        runtime.make(config(up.url, { tokenEndpoint: `http://127.0.0.1:${dead}/token`, jwksUri: `${up.url}/faulty/jwks.json`, discoveryUrl: `${up.url}/faulty/openid-configuration` })),
      ]);
    });
    after(() => Promise.all([up?.close(), up2?.close()]));

    /** A canned ID token for the test's request, signed with `k`. */
    const idToken = async (k, over = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const t = await sign(k, baseClaims({ iss: up.url, aud: CLIENT, iat: now, exp: now + 600, nonce: NONCE, jti: randomUUID(), ...over }));
      idTokens.push(t);
      return t;
    };
    const tokenAnswer = (id_token, over = {}) => ({ access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'openid profile', id_token, ...over });

    async function call(h, path, init = {}) {
      const t0 = performance.now();
      const res = await h.send(path, init);
      const text = await res.text();
      return { res, text, ms: performance.now() - t0 };
    }
    const exchange = (h = main, over = {}) =>
      call(h, '/auth/token', {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'application/json' },
        body: JSON.stringify({ code: CODE, code_verifier: VERIFIER, redirect_uri: REDIRECT, nonce: NONCE, ...over }),
      });

    /** A clear JSON error within the time bound, and no secret in it or in the log events. */
    async function expectError(h, r, { status, error, maxMs = FAST_MS, minMs = 0, description, what }) {
      const label = `${what}: ${r.text.slice(0, 300)}`;
      assert.equal(r.res.status, status, label);
      assert.ok(r.ms <= maxMs, `${what}: answered after ${Math.round(r.ms)} ms (bound ${maxMs} ms)`);
      assert.ok(r.ms >= minMs, `${what}: answered after ${Math.round(r.ms)} ms, before the ${minMs} ms time-out`);
      assert.match(r.res.headers.get('content-type') ?? '', /^application\/json/, label);
      assert.equal(r.res.headers.get('cache-control'), 'no-store', label);
      assert.equal(r.res.headers.get('location'), null, label);
      assert.equal(r.res.headers.get('set-cookie'), null, `${what}: no session for a failed exchange`);
      const body = JSON.parse(r.text);
      // error_source marks NHS login's failures (its refusal, its absence, an unusable answer); the
      // edge's own verdicts (invalid_id_token, invalid_userinfo) carry none.
      const verdict = error === 'invalid_id_token' || error === 'invalid_userinfo';
      assert.deepEqual(Object.keys(body).sort(), verdict ? ['error', 'error_description'] : ['error', 'error_description', 'error_source'], label);
      if (!verdict) assert.equal(body.error_source, 'nhs_login', label);
      assert.equal(body.error, error, label);
      assert.equal(typeof body.error_description, 'string', label);
      assert.ok(body.error.length <= 128 && body.error_description.length <= 512, `${what}: error ${body.error.length} chars, description ${body.error_description.length} chars`);
      assert.ok(!/[\u0000-\u001f]/.test(body.error + body.error_description), `${what}: control characters in the error`);
      if (description) assert.match(body.error_description, description, label);
      assertNoSecrets(r.text, `the ${what} answer`);
      const logs = await h.logs();
      assertNoSecrets(logs.join('\n'), `the ${what} log events`);
      return { body, logs: logs.map((l) => JSON.parse(l)) };
    }
    const hasEvent = (logs, want) => logs.some((e) => Object.entries(want).every(([k, v]) => e[k] === v));

    // ---- transport faults at the token endpoint --------------------------------

    test('NHS login slow: headers never come -> 504 after timeoutMs', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'hang';
      const { body, logs } = await expectError(main, await exchange(), { status: 504, error: 'temporarily_unavailable', minMs: TIMEOUT_MS * 0.9, maxMs: TIMED_OUT_MS, description: /within 800 ms/, what: 'slow token endpoint' });
      assert.ok(hasEvent(logs, { event: 'upstream_failed', what: 'token', reason: 'timeout' }), JSON.stringify(logs));
      assert.ok(!/token_endpoint|127\.0\.0\.1/.test(body.error_description), 'no upstream address in the error');
      // The secrets checked for are real: the assertion the handler sent is among them.
      const sent = new URLSearchParams(up.seen.at(-1).body);
      assert.equal(sent.get('code'), CODE);
      assert.ok(secretsFor().some(([, v]) => v === sent.get('client_assertion')));
    });

    test('NHS login down: connection refused -> 502, reset -> 502', { timeout: TEST_TIMEOUT }, async () => {
      const { logs } = await expectError(aux, await exchange(aux), { status: 502, error: 'temporarily_unavailable', description: /could not be reached/, what: 'connection refused' });
      assert.ok(hasEvent(logs, { event: 'upstream_failed', what: 'token', reason: 'unreachable' }), JSON.stringify(logs));
      up.mode = 'drop';
      await expectError(main, await exchange(), { status: 502, error: 'temporarily_unavailable', what: 'connection reset' });
    });

    test('NHS login 5xx -> 502 (its error code kept, its status not)', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'server-error';
      const a = await expectError(main, await exchange(), { status: 502, error: 'server_error', what: 'HTTP 500 JSON' });
      assert.ok(hasEvent(a.logs, { event: 'upstream_error', what: 'token', status: 500 }), JSON.stringify(a.logs));
      up.mode = 'unavailable';
      await expectError(main, await exchange(), { status: 502, error: 'temporarily_unavailable', what: 'HTTP 503 JSON' });
      up.mode = 'html';
      // Judged by status first: an error status without a JSON body is NHS login's error, not a parse failure.
      const c = await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /HTTP 502/, what: 'HTTP 502 HTML' });
      assert.ok(hasEvent(c.logs, { event: 'upstream_error', what: 'token', status: 502, error: 'server_error' }), JSON.stringify(c.logs));
    });

    test('truncated answer: Content-Length N, connection closed after fewer bytes -> 502 (a complete-looking JSON prefix is not accepted)', { timeout: TEST_TIMEOUT }, async () => {
      // What arrives is a complete, valid token answer: accepting it would be a 200.
      up.answer = tokenAnswer(await idToken(k1));
      up.mode = 'truncated';
      await expectError(main, await exchange(), { status: 502, error: 'temporarily_unavailable', description: /cut off/, what: 'truncated (Content-Length)' });
      up.mode = 'truncated-chunked';
      await expectError(main, await exchange(), { status: 502, error: 'temporarily_unavailable', description: /cut off/, what: 'truncated (chunked, no last chunk)' });
    });

    test('a body that never ends (one byte every 200 ms) -> 504 after timeoutMs', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'trickle';
      await expectError(main, await exchange(), { status: 504, error: 'temporarily_unavailable', minMs: TIMEOUT_MS * 0.9, maxMs: TIMED_OUT_MS, what: 'never-ending body' });
    });

    test('non-JSON and non-object answers -> 502', { timeout: TEST_TIMEOUT }, async () => {
      up.answer = tokenAnswer(await idToken(k1));
      up.mode = 'html-200';
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /not a JSON object \(HTTP 200\)/, what: 'HTML with 200' });
      up.mode = 'array';
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /not a JSON object/, what: 'JSON array holding a valid token answer' });
      for (const value of [null, 'a string', 42]) {
        up.answer = value;
        up.mode = 'answer';
        await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /not a JSON object/, what: `JSON ${JSON.stringify(value)}` });
      }
    });

    test('oversized answer (> 256 KiB) -> 502, with Content-Length and streamed', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'huge';
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /too large/, what: '300 KiB answer' });
      up.mode = 'huge-stream';
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /too large/, what: '1 MiB chunked answer' });
      // The limit counts decompressed bytes: a 20 KiB gzip body of 20 MiB stops at 256 KiB.
      up.mode = 'gzip-bomb';
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /too large/, what: 'gzip bomb' });
    });

    test('a redirect from the token endpoint is not followed -> 502', { timeout: TEST_TIMEOUT }, async () => {
      // The redirect carries a valid token answer and its target serves one too.
      up.answer = tokenAnswer(await idToken(k1));
      for (const mode of ['redirect-302', 'redirect-307']) {
        up.mode = mode;
        await expectError(main, await exchange(), { status: 502, error: 'server_error', what: mode });
      }
      assert.equal(up.seen.filter((s) => s.url.startsWith('/elsewhere')).length, 0, 'the redirect target was never called');
    });

    test('an error answer with a huge error_description is passed on truncated', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'huge-error';
      const { body } = await expectError(main, await exchange(), { status: 400, error: `invalid_grant${'g'.repeat(128 - 13)}`, description: /^code expired d+$/, what: 'huge error_description' });
      assert.equal(body.error_description.length, 512);
    });

    test('a token answer without id_token, or not Bearer -> 502 and no token passed on', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'answer';
      const good = await idToken(k1);
      up.answer = tokenAnswer(undefined);
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /no id_token/, what: 'no id_token' });
      up.answer = tokenAnswer(good, { token_type: 'mac' });
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /bearer/i, what: 'token_type mac' });
      up.answer = tokenAnswer(good, { token_type: undefined });
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /bearer/i, what: 'no token_type' });
      up.answer = tokenAnswer(good, { access_token: undefined });
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /bearer/i, what: 'no access_token' });
      up.answer = tokenAnswer(good, { id_token: 42 });
      await expectError(main, await exchange(), { status: 502, error: 'server_error', description: /no id_token/, what: 'id_token a number' });
    });

    // ---- the cached routes: JWKS and discovery fetched through the faults ---------

    test('GET /jwks and /.well-known/openid-configuration through the faults', { timeout: TEST_TIMEOUT }, async () => {
      const cases = [
        ['hang', 504, 'temporarily_unavailable', true],
        ['drop', 502, 'temporarily_unavailable'],
        ['server-error', 502, 'server_error'],
        ['truncated', 502, 'temporarily_unavailable'],
        ['trickle', 504, 'temporarily_unavailable', true],
        ['html-200', 502, 'server_error'],
        ['array', 502, 'server_error'],
        ['huge-stream', 502, 'server_error'],
        ['redirect-302', 502, 'server_error'],
      ];
      up.answer = { keys: [k1.jwk], issuer: up.url }; // what a redirect or a truncated body would carry
      for (const route of ['/auth/jwks', '/auth/.well-known/openid-configuration']) {
        for (const [mode, status, error, timesOut] of cases) {
          up.mode = mode;
          const r = await call(aux, route, { headers: { origin: ORIGIN } });
          await expectError(aux, r, { status, error, what: `${route} ${mode}`, ...(timesOut ? { minMs: TIMEOUT_MS * 0.9, maxMs: TIMED_OUT_MS } : {}) });
        }
      }
      assert.equal(up.seen.filter((s) => s.url.startsWith('/elsewhere')).length, 0, 'no redirect followed');
    });

    // ---- clock skew ---------------------------------------------------------------

    test(`clock skew: iat/nbf in the future beyond clockSkewSeconds (${SKEW}) -> 502, within -> 200; expired -> 502`, { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'answer';
      const now = Math.floor(Date.now() / 1000);
      const ok = async (over, what) => {
        up.answer = tokenAnswer(await idToken(k1, over));
        const r = await exchange();
        assert.equal(r.res.status, 200, `${what}: ${r.text}`);
        assert.ok(r.ms <= FAST_MS, `${what}: ${Math.round(r.ms)} ms`);
        const body = JSON.parse(r.text);
        assert.equal(body.access_token, ACCESS_TOKEN);
        assert.equal(body.refresh_token, undefined, 'the refresh token stays at the edge');
        assertNoSecrets(r.text, `the ${what} answer`, [ACCESS_TOKEN, up.answer.id_token]);
        assertNoSecrets((await main.logs()).join('\n'), `the ${what} log events`);
      };
      const refused = async (over, code, what) => {
        up.answer = tokenAnswer(await idToken(k1, over));
        const { logs } = await expectError(main, await exchange(), { status: 502, error: 'invalid_id_token', description: new RegExp(code), what });
        assert.ok(hasEvent(logs, { event: 'id_token_rejected', code }), JSON.stringify(logs));
      };
      // NHS login's clock ahead of the edge's.
      await ok({ iat: now + SKEW - 30, exp: now + 3600 }, 'iat within the skew');
      await refused({ iat: now + SKEW + 120, exp: now + 3600 }, 'token_issued_in_future', 'iat beyond the skew');
      await refused({ iat: now, nbf: now + SKEW + 120, exp: now + 3600 }, 'token_issued_in_future', 'nbf beyond the skew');
      // NHS login's clock behind the edge's (or an old token).
      await ok({ iat: now - 3600, exp: now - SKEW + 30 }, 'exp passed, within the skew');
      await refused({ iat: now - 3600, exp: now - SKEW - 120 }, 'token_expired', 'exp beyond the skew');
    });

    test('JWKS refetch for a new kid hangs -> 504 after timeoutMs (the exchange itself succeeded)', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'answer';
      up.answer = tokenAnswer(await idToken(k2)); // k2: not in main's cached JWKS
      up.pathMode(JWKS_PATH, 'hang');
      try {
        const before = up.count(JWKS_PATH);
        await expectError(main, await exchange(), { status: 504, error: 'temporarily_unavailable', minMs: TIMEOUT_MS * 0.9, maxMs: TIMED_OUT_MS, description: /JWKS/, what: 'JWKS refetch hangs' });
        assert.equal(up.count(JWKS_PATH), before + 1);
      } finally {
        up.pathMode(JWKS_PATH, undefined);
      }
    });

    test('refresh and userinfo through the faults: bounded, JSON, the session cookie kept', { timeout: TEST_TIMEOUT }, async () => {
      up.mode = 'answer';
      up.answer = tokenAnswer(await idToken(k1));
      const signedIn = await exchange();
      assert.equal(signedIn.res.status, 200, signedIn.text);
      const cookie = /^(__Host-nhs-login=[^;]+)/.exec(signedIn.res.headers.get('set-cookie'))[1];
      await main.logs();
      const refresh = () => call(main, '/auth/refresh', { method: 'POST', headers: { origin: ORIGIN, cookie } });
      const userinfo = () => call(main, '/auth/userinfo', { headers: { origin: ORIGIN, cookie, authorization: `Bearer ${ACCESS_TOKEN}` } });
      const cases = [
        ['hang', 504, 'temporarily_unavailable', true],
        ['drop', 502, 'temporarily_unavailable'],
        ['unavailable', 502, 'temporarily_unavailable'],
        ['truncated', 502, 'temporarily_unavailable'],
        ['trickle', 504, 'temporarily_unavailable', true],
        ['html-200', 502, 'server_error'],
        ['array', 502, 'server_error'],
        ['huge-stream', 502, 'server_error'],
        ['redirect-307', 502, 'server_error'],
      ];
      for (const [route, send, answer] of [
        ['/refresh', refresh, tokenAnswer(undefined, { access_token: `${ACCESS_TOKEN}-2`, refresh_token: `${REFRESH_TOKEN}-2` })],
        ['/userinfo', userinfo, { sub: baseClaims().sub, iss: up.url, aud: CLIENT, nhs_number: '9000000009' }],
      ]) {
        up.answer = answer; // what a truncated body or a redirect would carry
        for (const [mode, status, error, timesOut] of cases) {
          up.mode = mode;
          await expectError(main, await send(), { status, error, what: `${route} ${mode}`, ...(timesOut ? { minMs: TIMEOUT_MS * 0.9, maxMs: TIMED_OUT_MS } : {}) });
        }
      }
      up.mode = 'answer';
      up.answer = tokenAnswer(undefined, { token_type: 'mac' });
      await expectError(main, await refresh(), { status: 502, error: 'server_error', description: /bearer/i, what: '/refresh not Bearer' });
      // The session survived every transient fault.
      up.answer = tokenAnswer(undefined);
      const r = await refresh();
      assert.equal(r.res.status, 200, r.text);
      assert.equal(JSON.parse(r.text).refresh_token, undefined);
      assertNoSecrets(r.text, 'the refresh answer', [ACCESS_TOKEN]);
      assertNoSecrets((await main.logs()).join('\n'), 'the refresh log events');
    });

    // ---- the provider's signing key rotating away -----------------------------

    describe('JWKS: the provider key rotates away between exchanges', () => {
      let h;
      before(async () => {
        up2.jwks = { keys: [k1.jwk] };
        up2.mode = 'answer';
        h = await runtime.make(config(up2.url));
      });
      const exchangeWith = async (k) => {
        up2.answer = tokenAnswer(await idToken(k, { iss: up2.url }));
        return exchange(h);
      };
      const okExchange = async (k, what) => {
        const r = await exchangeWith(k);
        assert.equal(r.res.status, 200, `${what}: ${r.text}`);
        assert.ok(r.ms <= FAST_MS, `${what}: ${Math.round(r.ms)} ms`);
        assertNoSecrets((await h.logs()).join('\n'), `the ${what} log events`);
      };

      test('old key cached, new kid, refetched JWKS has it -> 200; a kid no JWKS has -> 502 key_not_found; one refetch per minute', { timeout: TEST_TIMEOUT }, async () => {
        await okExchange(k1, 'k1 signed, k1 published');
        assert.equal(up2.count(JWKS_PATH), 1);

        up2.jwks = { keys: [k2.jwk] }; // k1 rotated away, k2 in
        await okExchange(k2, 'k2 signed, cached JWKS has only k1');
        assert.equal(up2.count(JWKS_PATH), 2, 'one refetch for the unknown kid');
        const served = JSON.parse((await call(h, '/auth/jwks', { headers: { origin: ORIGIN } })).text);
        assert.deepEqual(served.keys.map((k) => k.kid), ['provider-k2'], 'the refetched JWKS is the cached one now');

        for (const [k, what] of [[k3, 'a kid no JWKS has'], [k1, 'the rotated-away kid'], [k3, 'a kid no JWKS has, again']]) {
          const r = await exchangeWith(k);
          const { logs } = await expectError(h, r, { status: 502, error: 'invalid_id_token', description: /key_not_found/, what });
          assert.ok(hasEvent(logs, { event: 'id_token_rejected', code: 'key_not_found' }), JSON.stringify(logs));
        }
        assert.equal(up2.count(JWKS_PATH), 2, 'no second refetch within a minute');
        assert.equal(up2.count('/token'), 5);
      });
    });

    describe('JWKS: exchanges in flight while the key rotates', () => {
      let h;
      before(async () => {
        up2.jwks = { keys: [k1.jwk] };
        up2.mode = 'answer';
        h = await runtime.make(config(up2.url));
      });
      // Sign-ins do not queue up politely at a key rotation: several exchanges
      // carrying the new kid can be in flight while the one refetch is. Each
      // should wait for that refetch rather than fail with key_not_found.
      test('concurrent exchanges with the new kid all succeed with one refetch', {
        timeout: TEST_TIMEOUT,
      }, async () => {
        up2.answer = tokenAnswer(await idToken(k1, { iss: up2.url }));
        assert.equal((await exchange(h)).res.status, 200);
        const jwksBefore = up2.count(JWKS_PATH);
        up2.jwks = { keys: [k2.jwk] };
        up2.answer = tokenAnswer(await idToken(k2, { iss: up2.url }));
        const results = await Promise.all(Array.from({ length: 4 }, () => exchange(h)));
        const statuses = results.map((r) => r.res.status);
        const refetches = up2.count(JWKS_PATH) - jwksBefore;
        for (const r of results) assert.ok(r.ms <= FAST_MS * 2, `${Math.round(r.ms)} ms`);
        assertNoSecrets(results.map((r) => r.text).join('\n'), 'the answers', [ACCESS_TOKEN, up2.answer.id_token]);
        assertNoSecrets((await h.logs()).join('\n'), 'the log events');
        assert.equal(refetches, 1, 'one refetch');
        assert.deepEqual(statuses, [200, 200, 200, 200], results.map((r) => r.text.slice(0, 120)).join('\n'));
      });
    });
  });
}
