// The npm package in Node 20+: imported by its package name, as users do.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createAuthorizationRequest,
  parseCallback,
  validateIdToken,
  createRemoteJwks,
  NhsLoginError,
  NhsLogin,
  ERROR_CODES,
  SETTINGS_URLS,
  SCOPES,
  settingsUrl,
  isNhsApp,
} from 'nhs-login-client';
import { ISSUER, CLIENT, NOW, makeKey, sign, baseClaims, MemoryStorage } from './helpers.js';

const rejects = async (p, code, check) => {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof NhsLoginError, `expected NhsLoginError, got ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code, e.message);
    assert.ok(ERROR_CODES.includes(e.code));
    if (check) check(e);
    return true;
  });
};

const authOpts = { environment: 'sandpit', clientId: CLIENT, redirectUri: 'https://app.example/callback' };

test('authorization request has PKCE S256, state, nonce and NHS login parameters', async () => {
  const r = await createAuthorizationRequest({
    ...authOpts,
    scope: ['profile', 'email'],
    vtr: ['P9.Cp.Cd', 'P9.Cm'],
    prompt: 'none',
    assertedLoginIdentity: 'aaa.bbb.ccc',
    allowRegistration: false,
    display: 'touch',
  });
  const u = new URL(r.url);
  assert.equal(u.origin + u.pathname, 'https://auth.sandpit.signin.nhs.uk/authorize');
  const p = u.searchParams;
  assert.equal(p.get('response_type'), 'code');
  assert.equal(p.get('client_id'), CLIENT);
  assert.equal(p.get('redirect_uri'), 'https://app.example/callback');
  assert.equal(p.get('scope'), 'openid profile email');
  assert.equal(p.get('state'), r.state);
  assert.equal(p.get('nonce'), r.nonce);
  assert.equal(p.get('code_challenge_method'), 'S256');
  assert.equal(p.get('code_challenge'), createHash('sha256').update(r.codeVerifier).digest('base64url'));
  assert.equal(p.get('vtr'), '["P9.Cp.Cd","P9.Cm"]');
  assert.ok(r.url.includes('vtr=%5B%22P9.Cp.Cd%22%2C%22P9.Cm%22%5D'));
  assert.equal(p.get('prompt'), 'none');
  assert.equal(p.get('asserted_login_identity'), 'aaa.bbb.ccc');
  assert.equal(p.get('allow_registration'), 'false');
  assert.equal(p.get('display'), 'touch');
  assert.match(r.codeVerifier, /^[A-Za-z0-9_-]{43,128}$/);
  assert.ok(Buffer.from(r.state, 'base64url').length >= 16);
  assert.ok(Buffer.from(r.nonce, 'base64url').length >= 16);
  const again = await createAuthorizationRequest(authOpts);
  assert.notEqual(again.state, r.state);
  assert.notEqual(again.nonce, r.nonce);
  assert.notEqual(again.codeVerifier, r.codeVerifier);
});

test('bad authorize options are invalid_option naming the field', async () => {
  const cases = [
    [{ vtr: ['P9.Cp.Cd', 'P7.Cp'] }, 'vtr'],
    [{ scope: [] }, 'scope'],
    [{ redirectUri: 'http://app.example/cb' }, 'redirectUri'],
    [{ prompt: 'consent' }, 'prompt'],
    [{ display: 'popup' }, 'display'],
    [{ environment: 'dev' }, 'environment'],
    [{ clientId: undefined }, 'clientId'],
    [{ scope: 'openid' }, 'scope'],
    [{ allowRegistration: 'no' }, 'allowRegistration'],
    // EIS §7.3: NHS login refuses redirect URIs with a query string.
    [{ redirectUri: 'https://app.example/callback?from=nhs' }, 'redirectUri'],
    // NHS login docs: profile and basic_demographics are alternatives.
    [{ scope: ['openid', 'profile', 'basic_demographics'] }, 'scope'],
  ];
  for (const [over, field] of cases) {
    await rejects(createAuthorizationRequest({ ...authOpts, ...over }), 'invalid_option', (e) => {
      assert.match(e.message, new RegExp(field));
      assert.equal(e.field, field);
    });
  }
  // Values JSON cannot carry are refused, not thrown as TypeError.
  await rejects(createAuthorizationRequest({ ...authOpts, clientId: 10n }), 'invalid_option');
  // Loopback http is allowed for development.
  await createAuthorizationRequest({ ...authOpts, redirectUri: 'http://127.0.0.1:5173/callback' });
});

test('parseCallback: code, state mismatch, provider errors, RFC 9207 iss', async () => {
  assert.deepEqual(await parseCallback('https://app.example/cb?code=abc&state=s1', { state: 's1' }), { code: 'abc' });
  assert.deepEqual(await parseCallback(new URL(`https://app.example/cb?code=abc&state=s1&iss=${encodeURIComponent(ISSUER)}`), { state: 's1', issuer: ISSUER }), { code: 'abc' });
  await rejects(parseCallback('https://app.example/cb?code=abc&state=s2', { state: 's1' }), 'state_mismatch');
  await rejects(parseCallback('https://app.example/cb?code=abc', { state: 's1' }), 'state_mismatch');
  await rejects(parseCallback('https://app.example/cb?code=abc&state=s1&iss=https%3A%2F%2Fevil', { state: 's1', environment: 'production' }), 'invalid_issuer');
  await rejects(parseCallback('https://app.example/cb?state=s1', { state: 's1' }), 'missing_code');
  await rejects(parseCallback('https://app.example/cb?state=s1&state=s1&code=a', { state: 's1' }), 'malformed_callback');
  await rejects(parseCallback('https://app.example/cb?error=access_denied&error_description=ConsentNotGiven&state=s1', { state: 's1' }), 'provider_error', (e) => {
    assert.equal(e.error, 'access_denied');
    assert.equal(e.errorDescription, 'ConsentNotGiven');
    assert.match(e.message, /chose not to share/);
  });
  for (const error of ['login_required', 'sso_login_required', 'invalid_scope', 'invalid_request']) {
    await rejects(parseCallback(`https://app.example/cb?error=${error}&state=s1`, { state: 's1' }), 'provider_error', (e) => {
      assert.equal(e.error, error);
      assert.equal(e.errorDescription, undefined);
      assert.notEqual(e.message, 'NHS login returned an error');
    });
  }
});

let k1, k2, k3, jwks;
before(async () => {
  [k1, k2, k3] = await Promise.all([makeKey('k1'), makeKey('k2'), makeKey(undefined)]);
  jwks = { keys: [k2.jwk, k1.jwk] };
});

const vopts = (over = {}) => ({ issuer: ISSUER, clientId: CLIENT, jwks, nonce: 'nonce-1', vtr: ['P9.Cp.Cd', 'P9.Cm'], now: NOW, ...over });

test('validateIdToken returns all claims of a valid token', async () => {
  const claims = await validateIdToken(await sign(k1, baseClaims()), vopts());
  assert.equal(claims.sub, '49f470a1-cc52-49b7-beba-0f9cec937c46');
  assert.equal(claims.nhs_number, '9000000009');
  assert.equal(claims.vot, 'P9.Cp.Cd');
  assert.equal(claims.id_status, 'verified'); // unknown claims kept
  // JWKS given as JSON text works too, and the environment preset gives the issuer.
  await validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: JSON.stringify(jwks), issuer: undefined, environment: 'production' }));
});

test('validateIdToken: every rejection code fires', async () => {
  const t = (over, key = k1, header) => sign(key, typeof over === 'string' ? over : baseClaims(over), header);
  await rejects(validateIdToken('x'.repeat(70000), vopts()), 'malformed_token');
  await rejects(validateIdToken('a.b', vopts()), 'malformed_token');
  await rejects(validateIdToken(42, vopts()), 'malformed_token');
  await rejects(validateIdToken(await t('not json'), vopts()), 'malformed_token');
  for (const alg of ['none', 'HS512', 'RS256', 'PS512']) {
    await rejects(validateIdToken(await t({}, k1, { alg, kid: 'k1' }), vopts()), 'unsupported_alg');
  }
  await rejects(validateIdToken(await t({}, k1, { alg: 'RS512', kid: 'k1', crit: ['x'], x: 1 }), vopts()), 'unsupported_alg');
  await rejects(validateIdToken(await t({}, k1, { alg: 'RS512', kid: 'nope' }), vopts()), 'key_not_found');
  await rejects(validateIdToken(await t({}, k2, { alg: 'RS512', kid: 'k1' }), vopts()), 'invalid_signature');
  const good = await t({});
  const other = await t({ family_name: 'SMITH' });
  const [h, , s] = good.split('.');
  await rejects(validateIdToken(`${h}.${other.split('.')[1]}.${s}`, vopts()), 'invalid_signature');
  // The claim checks run while WebCrypto verifies; their answer is opened only
  // after the signature verified, so a forged token is refused for its
  // signature whatever its claims (or the options) would have said.
  for (const [claims, over] of [[{ exp: NOW - 3600 }], [{ aud: 'someone-else' }], [{ sub: undefined }], [{ family_name: 'SMITH' }, { now: 'now' }], [{ family_name: 'SMITH' }, { clientId: 'other' }]]) {
    const forged = `${h}.${(await t(claims)).split('.')[1]}.${s}`;
    await rejects(validateIdToken(forged, vopts(over)), 'invalid_signature');
  }
  await rejects(validateIdToken(await t({ iss: 'https://auth.login.nhs.uk/' }), vopts()), 'invalid_issuer');
  await rejects(validateIdToken(await t({ aud: ['test-client', 'someone-else'] }), vopts()), 'invalid_audience');
  await rejects(validateIdToken(await t({ aud: 'someone-else' }), vopts()), 'invalid_audience');
  await rejects(validateIdToken(await t({ exp: NOW - 61 }), vopts()), 'token_expired');
  await rejects(validateIdToken(await t({ iat: NOW + 61 }), vopts()), 'token_issued_in_future');
  await rejects(validateIdToken(await t({ nonce: 'nonce-2' }), vopts()), 'invalid_nonce');
  await rejects(validateIdToken(await t({ sub: undefined }), vopts()), 'missing_claim', (e) => assert.equal(e.claim, 'sub'));
  await rejects(validateIdToken(await t({ exp: 'soon' }), vopts()), 'invalid_claim', (e) => assert.equal(e.claim, 'exp'));
  await rejects(validateIdToken(await t({}), vopts({ now: 'now' })), 'invalid_option', (e) => assert.equal(e.field, 'now'));
  await rejects(validateIdToken(await t({}), vopts({ vtr: 'P9.Cp.Cd' })), 'invalid_option', (e) => assert.equal(e.field, 'vtr'));
  // The nonce check has no public escape hatch: insecureSkipNonceCheck is ignored here.
  await rejects(validateIdToken(await t({ nonce: 'other' }), vopts({ insecureSkipNonceCheck: true })), 'invalid_nonce');
  await rejects(validateIdToken(await t({ nonce: 'other' }), vopts({ checkNonce: false })), 'invalid_nonce');
  await rejects(validateIdToken(await t({ vot: undefined }), vopts()), 'missing_claim');
  await rejects(validateIdToken(await t({ exp: '2030' }), vopts()), 'invalid_claim');
  await rejects(validateIdToken(await t({ vot: 'P5.Cp.Cd' }), vopts()), 'vot_not_satisfied');
  await rejects(validateIdToken(await t({}), vopts({ jwks: { keys: 'no' } })), 'invalid_jwks');
  await rejects(validateIdToken(await t({}), vopts({ clockSkewSeconds: -1 })), 'invalid_option');
  await rejects(validateIdToken(await t({}), vopts({ vtr: ['P4.Cp'] })), 'invalid_option');
});

test('profile claims of another type never fail a sign-in: normalised or left out with a warning', async () => {
  // NHS login in practice: a 2026 NHS service reads *_verified as "true"/"false" strings from sandpit.
  const seen = [];
  const claims = await validateIdToken(
    await sign(k1, baseClaims({ email_verified: 'true', phone_number_verified: 'false', nhs_number: 9000000009, given_name: ['Ann'], gp_registration_details: 'A12345' })),
    vopts({ onWarning: (w) => seen.push(w) }),
  );
  assert.equal(claims.email_verified, true);
  assert.equal(claims.phone_number_verified, false);
  for (const name of ['nhs_number', 'given_name', 'gp_registration_details']) assert.equal(Object.hasOwn(claims, name), false, name);
  assert.deepEqual(seen, [
    { claim: 'nhs_number', message: 'is not a string' },
    { claim: 'given_name', message: 'is not a string' },
    { claim: 'gp_registration_details', message: 'is not an object' },
  ]);
  assert.equal(claims.sub, '49f470a1-cc52-49b7-beba-0f9cec937c46');
  // Without onWarning the same token is accepted; a well-typed token has no warnings.
  await validateIdToken(await sign(k1, baseClaims({ nhs_number: '12' })), vopts());
  const none = [];
  await validateIdToken(await sign(k1, baseClaims()), vopts({ onWarning: (w) => none.push(w) }));
  assert.deepEqual(none, []);
  await rejects(validateIdToken(await sign(k1, baseClaims()), vopts({ onWarning: 'log' })), 'invalid_option');
  // Security claims stay strict.
  await rejects(validateIdToken(await sign(k1, baseClaims({ auth_time: 'now' })), vopts()), 'invalid_claim');
  await rejects(validateIdToken(await sign(k1, baseClaims({ sub: 7 })), vopts()), 'invalid_claim');
});

test('returned claims never carry an own __proto__ member, at any depth', async () => {
  const text = JSON.stringify(baseClaims()).replace(/^\{/, '{"__proto__":{"polluted":true},"gp_registration_details":{"__proto__":{"x":1},"gp_ods_code":"A1"},');
  const claims = await validateIdToken(await sign(k1, text), vopts());
  assert.equal(Object.hasOwn(claims, '__proto__'), false);
  assert.equal(Object.getPrototypeOf(claims), Object.prototype);
  assert.equal(claims.polluted, undefined);
  assert.equal(Object.hasOwn(claims.gp_registration_details, '__proto__'), false);
  assert.equal(claims.gp_registration_details.gp_ods_code, 'A1');
  // The same member spelt with JSON escapes is dropped too.
  for (const spelt of ['\\u005f\\u005fproto__', '__pr\\u006fto__']) {
    const escaped = JSON.stringify(baseClaims()).replace(/^\{/, `{"${spelt}":{"polluted":true},`);
    const c = await validateIdToken(await sign(k1, escaped), vopts());
    assert.equal(Object.hasOwn(c, '__proto__'), false, spelt);
    assert.equal(c.polluted, undefined, spelt);
  }
});

test('provider error text is plain text: <, >, &, quotes neutralised', async () => {
  await rejects(parseCallback('https://app.example/cb?state=s1&error=access_denied&error_description=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E%20%26%20%27', { state: 's1' }), 'provider_error', (e) => {
    assert.equal(e.errorDescription, '?script?alert(?x?)?/script? ? ?');
  });
});

test('a JWKS key the library cannot use is skipped, not fatal for the set (RFC 7517 §5)', async () => {
  const odd = [{ kty: 'EC', kid: 'ec', crv: 'P-256', x: 'AA', y: 'AA' }, { kty: 'oct', kid: 'h', k: 'c2VjcmV0' }, { kty: 'RSA', kid: 'x', x5c: ['MIIB'] }, { kty: 'RSA', kid: 'enc', n: k2.jwk.n, e: 'AQAB', use: 'enc' }, 7];
  const claims = await validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: { keys: [...odd, k1.jwk] } }));
  assert.equal(claims.vot, 'P9.Cp.Cd');
  for (const bad of [{}, [], { keys: {} }, { keys: null }]) {
    await rejects(validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: bad })), 'invalid_jwks');
  }
});

test('createRemoteJwks takes a path relative to the page, as the README shows', async () => {
  assert.throws(() => createRemoteJwks('/auth/jwks'), (e) => e instanceof NhsLoginError && e.code === 'invalid_option' && /absolute URL/.test(e.message));
  globalThis.location = { href: 'https://service.example/callback?code=x' };
  try {
    const seen = [];
    const remote = createRemoteJwks('/auth/jwks', { fetch: async (u) => (seen.push(u), new Response(JSON.stringify({ keys: [k1.jwk] }))) });
    assert.equal(remote.url, 'https://service.example/auth/jwks');
    await validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: remote }));
    assert.deepEqual(seen, ['https://service.example/auth/jwks']);
  } finally {
    delete globalThis.location;
  }
});

test('clock skew is honoured and configurable', async () => {
  const tok = await sign(k1, baseClaims({ exp: NOW - 30 }));
  await validateIdToken(tok, vopts());
  await rejects(validateIdToken(tok, vopts({ clockSkewSeconds: 10 })), 'token_expired');
});

test('a lone key is used when the token has no kid', async () => {
  const tok = await sign(k3, baseClaims(), { alg: 'RS512' });
  await validateIdToken(tok, vopts({ jwks: { keys: [k3.jwk] } }));
  await rejects(validateIdToken(tok, vopts()), 'key_not_found');
});

test('remote JWKS: cached, refetched once on an unknown kid, rate-limited', async () => {
  let served = { keys: [k1.jwk] };
  let fetches = 0;
  const fetch = async (url) => {
    fetches++;
    assert.equal(url, 'https://edge.example/auth/jwks');
    return new Response(JSON.stringify(served), { headers: { 'content-type': 'application/json' } });
  };
  const remote = createRemoteJwks('https://edge.example/auth/jwks', { fetch, cooldownSeconds: 0 });
  await validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: remote }));
  await validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: remote }));
  assert.equal(fetches, 1, 'second validation uses the cache');
  served = { keys: [k1.jwk, k2.jwk] }; // the provider rotates in k2
  await validateIdToken(await sign(k2, baseClaims()), vopts({ jwks: remote }));
  assert.equal(fetches, 2, 'unknown kid triggers one refetch');
  const limited = createRemoteJwks('https://edge.example/auth/jwks', { fetch, cooldownSeconds: 60 });
  await validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: limited }));
  const before = fetches;
  const unknown = await sign(k1, baseClaims(), { alg: 'RS512', kid: 'unknown' });
  await rejects(validateIdToken(unknown, vopts({ jwks: limited })), 'key_not_found');
  assert.equal(fetches, before + 1, 'the first unknown kid refetches');
  await rejects(validateIdToken(unknown, vopts({ jwks: limited })), 'key_not_found');
  assert.equal(fetches, before + 1, 'no second refetch inside the cooldown');
  const down = createRemoteJwks('https://edge.example/auth/jwks', { fetch: async () => new Response('no', { status: 503 }) });
  await rejects(validateIdToken(await sign(k1, baseClaims()), vopts({ jwks: down })), 'invalid_jwks');
});

test('NhsLogin: single-use, expiring transactions and several in flight', async () => {
  const storage = new MemoryStorage();
  const login = new NhsLogin({ ...authOpts, vtr: ['P5.Cp.Cd'], storage });
  const url1 = await login.signIn({ redirect: false });
  const url2 = await login.signIn({ redirect: false, prompt: 'login' });
  assert.equal(storage.length, 2);
  const s1 = new URL(url1).searchParams.get('state');
  const s2 = new URL(url2).searchParams.get('state');
  const r2 = await login.handleRedirect(`https://app.example/callback?code=c2&state=${s2}`);
  assert.equal(r2.code, 'c2');
  assert.deepEqual(r2.vtr, ['P5.Cp.Cd']);
  assert.match(r2.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(r2.nonce, new URL(url2).searchParams.get('nonce'));
  // Replay of the same redirect fails: the transaction was used.
  await rejects(login.handleRedirect(`https://app.example/callback?code=c2&state=${s2}`), 'state_mismatch');
  const r1 = await login.handleRedirect(`https://app.example/callback?code=c1&state=${s1}`);
  assert.equal(r1.code, 'c1');
  assert.equal(storage.length, 0);
  // Expired transaction.
  const short = new NhsLogin({ ...authOpts, storage, transactionTtlSeconds: 0 });
  const url3 = await short.signIn({ redirect: false });
  await rejects(short.handleRedirect(`https://app.example/callback?code=c&state=${new URL(url3).searchParams.get('state')}`), 'transaction_expired');
  assert.equal(storage.length, 0);
  // Consent refused comes through as provider_error.
  const url4 = await login.signIn({ redirect: false });
  await rejects(login.handleRedirect(`https://app.example/callback?error=access_denied&error_description=ConsentNotGiven&state=${new URL(url4).searchParams.get('state')}`), 'provider_error');
});

test('NhsLogin.handleRedirect checks an iss parameter with only `environment` configured, as parseCallback does', async () => {
  const storage = new MemoryStorage();
  const redirect = async (login, iss) => {
    const state = new URL(await login.signIn({ redirect: false })).searchParams.get('state');
    return login.handleRedirect(`https://app.example/callback?code=c&state=${state}${iss === undefined ? '' : `&iss=${encodeURIComponent(iss)}`}`);
  };
  const byEnvironment = new NhsLogin({ ...authOpts, storage });
  await rejects(redirect(byEnvironment, 'https://evil.example'), 'invalid_issuer');
  await rejects(redirect(byEnvironment, 'https://auth.login.nhs.uk'), 'invalid_issuer'); // production's, not sandpit's
  assert.equal((await redirect(byEnvironment, 'https://auth.sandpit.signin.nhs.uk')).code, 'c');
  assert.equal((await redirect(byEnvironment)).code, 'c'); // NHS login sends no iss (EIS Tables 3-4)
  const byIssuer = new NhsLogin({ clientId: CLIENT, redirectUri: authOpts.redirectUri, authorizationEndpoint: 'http://127.0.0.1:9/authorize', issuer: 'http://127.0.0.1:9', storage });
  await rejects(redirect(byIssuer, 'https://auth.sandpit.signin.nhs.uk'), 'invalid_issuer');
  assert.equal((await redirect(byIssuer, 'http://127.0.0.1:9')).code, 'c');
});

test('NhsLogin.userinfo: through the edge, refreshing once on a 401 and retrying', async () => {
  const calls = [];
  let token = 'at-1';
  const answers = { userinfo: [], refresh: [] };
  const fetch = async (url, init = {}) => {
    const route = new URL(url).pathname.split('/').pop();
    calls.push(`${route} ${init.headers?.authorization ?? ''}`.trim());
    assert.equal(init.credentials, 'include');
    const next = answers[route].shift();
    if (route === 'refresh' && next.status === 200) token = JSON.parse(next.body).access_token;
    return new Response(next.body ?? null, { status: next.status, headers: next.headers });
  };
  const login = new NhsLogin({ ...authOpts, storage: new MemoryStorage(), edgeUrl: 'https://app.example/auth', fetch });
  login.accessToken = token;
  const userinfo = { status: 200, body: JSON.stringify({ sub: 's', email: 'a@example.org' }) };
  const expired = { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }; // no body, as NHS login
  answers.userinfo.push(expired, userinfo);
  answers.refresh.push({ status: 200, body: JSON.stringify({ access_token: 'at-2', token_type: 'Bearer', expires_in: 300 }) });
  assert.deepEqual(await login.userinfo(), { sub: 's', email: 'a@example.org' });
  assert.deepEqual(calls, ['userinfo Bearer at-1', 'refresh', 'userinfo Bearer at-2']);
  // Only once: a second 401 after the refresh is userinfo_failed, not a loop.
  calls.length = 0;
  answers.userinfo.push(expired, expired);
  answers.refresh.push({ status: 200, body: JSON.stringify({ access_token: 'at-3', token_type: 'Bearer' }) });
  await rejects(login.userinfo(), 'userinfo_failed', (e) => assert.equal(e.status, 401));
  assert.deepEqual(calls, ['userinfo Bearer at-2', 'refresh', 'userinfo Bearer at-3']);
  // No session at the edge: refresh_failed with the edge's error.
  answers.userinfo.push(expired);
  answers.refresh.push({ status: 401, body: JSON.stringify({ error: 'login_required', error_description: 'no NHS login session: sign in again' }) });
  await rejects(login.userinfo(), 'refresh_failed', (e) => {
    assert.equal(e.error, 'login_required');
    assert.equal(e.status, 401);
  });
  // After a reload (no access token in memory) it refreshes first.
  const fresh = new NhsLogin({ ...authOpts, storage: new MemoryStorage(), edgeUrl: 'https://app.example/auth', fetch });
  calls.length = 0;
  answers.refresh.push({ status: 200, body: JSON.stringify({ access_token: 'at-4', token_type: 'Bearer' }) });
  answers.userinfo.push(userinfo);
  await fresh.userinfo();
  assert.deepEqual(calls, ['refresh', 'userinfo Bearer at-4']);
  // After a reload whose first refresh gives a token userinfo refuses: still one refresh only.
  const reloaded = new NhsLogin({ ...authOpts, storage: new MemoryStorage(), edgeUrl: 'https://app.example/auth', fetch });
  calls.length = 0;
  answers.refresh.push({ status: 200, body: JSON.stringify({ access_token: 'at-5', token_type: 'Bearer' }) });
  answers.userinfo.push(expired);
  await rejects(reloaded.userinfo(), 'userinfo_failed');
  assert.deepEqual(calls, ['refresh', 'userinfo Bearer at-5']);
  // Concurrent callers share one refresh (NHS login rotates the refresh token).
  calls.length = 0;
  answers.refresh.push({ status: 200, body: JSON.stringify({ access_token: 'at-6', token_type: 'Bearer' }) });
  const [a, b] = await Promise.all([reloaded.refresh(), reloaded.refresh()]);
  assert.equal(a.accessToken, 'at-6');
  assert.equal(b.accessToken, 'at-6');
  assert.deepEqual(calls, ['refresh']);
  // signOut ends the edge session and forgets the access token.
  calls.length = 0;
  answers['sign-out'] = [{ status: 204 }];
  assert.equal(await reloaded.signOut(), true);
  assert.equal(reloaded.accessToken, undefined);
  assert.deepEqual(calls, ['sign-out']);
  answers['sign-out'] = [{ status: 403, body: '{"error":"forbidden_origin"}' }];
  assert.equal(await reloaded.signOut(), false);
});

test('a failed wasm load is wasm_unavailable, and the next call retries', async () => {
  const { execFileSync } = await import('node:child_process');
  const script = `
    import { setWasmSource, createAuthorizationRequest } from '../src/core.js';
    import { readFile } from 'node:fs/promises';
    let fail = true;
    setWasmSource(() => (fail ? Promise.reject(new Error('offline')) : readFile(new URL('../wasm/nhs_login_bg.wasm', import.meta.url))));
    const opts = { environment: 'sandpit', clientId: 'c', redirectUri: 'https://a.example/cb' };
    const first = await createAuthorizationRequest(opts).then(() => 'ok', (e) => e.code + ':' + e.cause.message);
    fail = false;
    const second = await createAuthorizationRequest(opts).then((r) => r.url.slice(0, 8), (e) => e.code);
    console.log(first, second);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url), encoding: 'utf8' });
  assert.equal(out.trim(), 'wasm_unavailable:offline https://');
});

test('settingsUrl and isNhsApp: the settings page per environment, the NHS App web view by user agent', () => {
  assert.equal(settingsUrl({ environment: 'sandpit' }), 'https://settings.sandpit.signin.nhs.uk');
  assert.equal(settingsUrl({ environment: 'integration' }), 'https://settings.aos.signin.nhs.uk');
  assert.equal(settingsUrl({ environment: 'production' }), 'https://settings.login.nhs.uk');
  assert.deepEqual(Object.keys(SETTINGS_URLS), ['sandpit', 'integration', 'production']);
  for (const bad of [undefined, 'dev', 'toString', '__proto__']) {
    assert.throws(() => settingsUrl({ environment: bad }), (e) => e.code === 'invalid_option' && e.field === 'environment');
  }
  assert.ok(SCOPES.includes('basic_demographics') && SCOPES.includes('gp_registration_details'));
  // NHS App web integration: the user agent ends nhsapp-android/<version> or nhsapp-ios/<version>.
  assert.equal(isNhsApp('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 nhsapp-android/2.45.0'), true);
  assert.equal(isNhsApp('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 nhsapp-ios/2.45.0'), true);
  assert.equal(isNhsApp('Mozilla/5.0 nhsapp-ios/2.45.0 Safari/605'), false, 'must be at the end');
  assert.equal(isNhsApp('Mozilla/5.0 (X11; Linux x86_64) Chrome/120'), false);
  assert.equal(isNhsApp('nhsapp-windows/1.0'), false);
  assert.equal(isNhsApp(), false); // Node: no navigator.userAgent of the NHS App
});

test('handleNhsAppEntry: one call forwards assertedLoginIdentity with prompt=none and cleans the address bar', async () => {
  const replaced = [];
  globalThis.history = { state: null, replaceState: (state, title, url) => replaced.push(url) };
  try {
    const login = new NhsLogin({ ...authOpts, vtr: ['P9.Cp.Cd'], storage: new MemoryStorage() });
    assert.equal(await login.handleNhsAppEntry({ redirect: false }, 'https://app.example/start?x=1'), null);
    assert.deepEqual(replaced, [], 'nothing to clean');
    const url = new URL(await login.handleNhsAppEntry({ redirect: false }, 'https://app.example/start?x=1&assertedLoginIdentity=aaa.bbb.ccc'));
    assert.equal(url.searchParams.get('prompt'), 'none');
    assert.equal(url.searchParams.get('asserted_login_identity'), 'aaa.bbb.ccc');
    assert.equal(url.searchParams.get('vtr'), '["P9.Cp.Cd"]');
    assert.deepEqual(replaced, ['/start?x=1'], 'the one-time JWT left the address bar');
    await rejects(login.handleNhsAppEntry({ redirect: false }, 'https://app.example/?assertedLoginIdentity=a&assertedLoginIdentity=b'), 'malformed_callback');
    await rejects(login.handleNhsAppEntry({ redirect: false }, 'https://app.example/?assertedLoginIdentity='), 'malformed_callback');
    assert.deepEqual(replaced.slice(1), ['/', '/'], 'removed even when refused');
  } finally {
    delete globalThis.history;
  }
});

test('stepUp, settingsLink and setClientUserMetadata refuse bad input before calling the edge', async () => {
  let calls = 0;
  const login = new NhsLogin({ ...authOpts, storage: new MemoryStorage(), edgeUrl: 'https://app.example/auth', settingsUrl: 'not a url', fetch: async () => { calls++; return new Response('{}', { status: 500 }); } });
  await rejects(login.stepUp([]), 'invalid_option');
  await rejects(login.stepUp('P9.Cp.Cd'), 'invalid_option');
  await rejects(login.setClientUserMetadata('x'.repeat(1025)), 'invalid_option');
  await rejects(login.setClientUserMetadata(undefined), 'invalid_option');
  await rejects(login.settingsLink(), 'invalid_option');
  assert.equal(calls, 0);
  // No environment and no settingsUrl: which settings page is unknown.
  await rejects(new NhsLogin({ clientId: CLIENT, redirectUri: authOpts.redirectUri, authorizationEndpoint: 'http://127.0.0.1:9/authorize', storage: new MemoryStorage(), edgeUrl: 'https://app.example/auth', fetch: async () => { calls++; return new Response('{}'); } }).settingsLink(), 'invalid_option');
  assert.equal(calls, 0);
});
