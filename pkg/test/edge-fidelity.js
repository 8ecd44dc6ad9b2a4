// Where NHS login differs from a textbook OP, through the edge handler and
// the SPA layer, against the local provider in its NHS-login-like default
// profile and, where the sources disagree, with the profile switch that
// shows the other behaviour (tests/provider/README.md "Profile switches").
// Run in every runtime with the runtime's `makeSend(config)`.
import assert from 'node:assert/strict';
import { createAuthorizationRequest, parseCallback, validateIdToken, createRemoteJwks, NhsLogin } from 'nhs-login-client';
import { startProvider } from '../../tests/provider/provider.mjs';
import { signInWithFetch } from '../../tests/provider/user-agent.mjs';
import { MemoryStorage } from './helpers.js';

const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const CLIENT = 'edge-client';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function edgeFidelitySuite(test, { before, after }, makeSend) {
  // One provider per profile: NHS login's defaults, a short access-token
  // lifetime, and the lenient switches (iss on the redirect, every claim in
  // the ID token, verified flags as strings).
  const ops = {};
  let key;
  const start = async (name, profile = {}) => {
    ops[name] = await startProvider({ port: 0, clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT], ...(key ? { jwks: { keys: [key.publicJwk] } } : {}) }], log: false, ...profile });
    key ??= ops[name].clientKeys[CLIENT];
    const config = (over = {}) => ({
      issuer: ops[name].issuer,
      clientId: CLIENT,
      privateKey: key.privateKeyPem,
      keyId: key.kid,
      allowedOrigins: [ORIGIN],
      redirectUris: [REDIRECT],
      cookieSecret: Buffer.alloc(32, 7).toString('base64url'),
      vtr: ['P9.Cp.Cd', 'P5.Cp.Cd', 'P0.Cp'],
      timeoutMs: 5000,
      ...over,
    });
    ops[name].config = config;
    ops[name].send = await makeSend(config());
  };
  before(async () => {
    await start('nhs');
    await start('short', { accessTokenTtl: 2 });
    await start('lenient', { issParameter: true, idTokenClaims: 'all', verifiedAsStrings: true });
  });
  after(() => Promise.all(Object.values(ops).map((op) => op.close())));

  const cookieOf = (res) => /^(__Host-nhs-login=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  /** Signs `patient` in at provider `op`; resolves to the redirect back and the request's secrets. */
  async function signIn(op, { patient = 'p9', vtr = ['P9.Cp.Cd'], scope = ['openid', 'profile', 'email', 'phone', 'gp_registration_details'] } = {}) {
    const req = await createAuthorizationRequest({ authorizationEndpoint: op.endpoints.authorization, clientId: CLIENT, redirectUri: REDIRECT, scope, vtr });
    const back = await signInWithFetch({ authorizeUrl: req.url, redirectUri: REDIRECT, patient });
    const { code } = await parseCallback(back, { state: req.state, issuer: op.issuer });
    return { ...req, back, code, vtr };
  }
  const exchange = (op, s, sender = op.send) =>
    sender('/auth/token', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ code: s.code, code_verifier: s.codeVerifier, redirect_uri: REDIRECT, nonce: s.nonce }),
    });
  const jwksOf = (op) => createRemoteJwks('https://edge.example/auth/jwks', { fetch: (url) => op.send(new URL(url).pathname, { headers: { origin: ORIGIN } }) });
  const userinfo = (op, accessToken, cookie) => op.send('/auth/userinfo', { headers: { origin: ORIGIN, authorization: `Bearer ${accessToken}`, cookie } });

  test('the redirect carries code and state only (EIS Tables 3-4); with the RFC 9207 switch, iss is checked', async () => {
    const plain = new URL((await signIn(ops.nhs)).back);
    assert.deepEqual([...plain.searchParams.keys()].sort(), ['code', 'state']);
    const withIss = await signIn(ops.lenient);
    assert.equal(new URL(withIss.back).searchParams.get('iss'), ops.lenient.issuer);
    // The same redirect read with another issuer is refused: the check is real.
    await assert.rejects(parseCallback(withIss.back, { state: withIss.state, issuer: ops.nhs.issuer }), (e) => e.code === 'invalid_issuer');
  });

  test('claims: identity in the ID token, the rest from userinfo (NHS login docs); both placements validate', async () => {
    const s = await signIn(ops.nhs);
    const res = await exchange(ops.nhs, s);
    assert.equal(res.status, 200, await res.clone().text());
    const tokens = await res.json();
    const claims = await validateIdToken(tokens.id_token, { issuer: ops.nhs.issuer, clientId: CLIENT, jwks: jwksOf(ops.nhs), nonce: s.nonce, vtr: s.vtr });
    assert.equal(claims.nhs_number, '9990000018');
    for (const name of ['email', 'email_verified', 'phone_number', 'given_name', 'gp_registration_details']) assert.equal(claims[name], undefined, name);
    const ui = await userinfo(ops.nhs, tokens.access_token, cookieOf(res));
    assert.equal(ui.status, 200);
    const info = await ui.json();
    assert.equal(info.sub, claims.sub);
    assert.equal(typeof info.email, 'string');
    assert.equal(info.email_verified, true);
    assert.equal(typeof info.gp_registration_details, 'object');
  });

  test('"true"/"false" strings in *_verified are normalised to booleans, in the ID token and in userinfo', async () => {
    const s = await signIn(ops.lenient);
    const res = await exchange(ops.lenient, s);
    assert.equal(res.status, 200, await res.clone().text()); // the edge's own validation accepts them
    const tokens = await res.json();
    const raw = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url'));
    assert.equal(raw.email_verified, 'true', 'the provider really sent a string');
    const warnings = [];
    const claims = await validateIdToken(tokens.id_token, { issuer: ops.lenient.issuer, clientId: CLIENT, jwks: jwksOf(ops.lenient), nonce: s.nonce, vtr: s.vtr, onWarning: (w) => warnings.push(w) });
    assert.equal(claims.email_verified, true);
    assert.equal(claims.phone_number_verified, true);
    assert.deepEqual(warnings, []);
    const info = await (await userinfo(ops.lenient, tokens.access_token, cookieOf(res))).json();
    assert.equal(info.email_verified, true);
    assert.equal(typeof info.phone_number_verified, 'boolean');
  });

  test('userinfo with an expired or invalid access token: 401 invalid_token with NHS login\'s WWW-Authenticate, never 502', async () => {
    const s = await signIn(ops.short);
    const res = await exchange(ops.short, s);
    assert.equal(res.status, 200, await res.clone().text());
    const tokens = await res.json();
    assert.equal(tokens.expires_in, 2);
    const cookie = cookieOf(res);
    assert.equal((await userinfo(ops.short, tokens.access_token, cookie)).status, 200);
    const garbage = await userinfo(ops.short, 'not-a-token', cookie);
    assert.equal(garbage.status, 401);
    assert.equal((await garbage.json()).error, 'invalid_token');
    assert.match(garbage.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    await sleep(3000);
    const expired = await userinfo(ops.short, tokens.access_token, cookie);
    assert.equal(expired.status, 401, await expired.clone().text());
    const body = await expired.json();
    assert.equal(body.error, 'invalid_token');
    assert.match(expired.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    assert.equal(expired.headers.get('set-cookie'), null, 'the session survives an expired access token');
    // A refresh gives a working access token.
    const rf = await ops.short.send('/auth/refresh', { method: 'POST', headers: { origin: ORIGIN, cookie } });
    assert.equal(rf.status, 200);
    const { access_token } = await rf.json();
    assert.equal((await userinfo(ops.short, access_token, cookieOf(rf))).status, 200);
  });

  test('NhsLogin.userinfo() refreshes once through the edge when the access token has expired', async () => {
    const calls = [];
    let cookie;
    // What the browser does by itself: the Origin header and the cookie.
    const browserFetch = async (url, init = {}) => {
      const path = new URL(url).pathname;
      calls.push(path);
      const res = await ops.short.send(path, { ...init, headers: { ...init.headers, origin: ORIGIN, ...(cookie ? { cookie } : {}) } });
      cookie = cookieOf(res) ?? cookie;
      return res;
    };
    const login = new NhsLogin({
      authorizationEndpoint: ops.short.endpoints.authorization,
      issuer: ops.short.issuer,
      clientId: CLIENT,
      redirectUri: REDIRECT,
      scope: ['openid', 'profile', 'email'],
      vtr: ['P9.Cp.Cd'],
      storage: new MemoryStorage(),
      edgeUrl: 'https://edge.example/auth',
      fetch: browserFetch,
    });
    const back = await signInWithFetch({ authorizeUrl: await login.signIn({ redirect: false }), redirectUri: REDIRECT, patient: 'p9' });
    const { claims, warnings } = await login.completeSignIn(back);
    assert.deepEqual(warnings, []);
    assert.equal((await login.userinfo()).email, 'alice.pennington@example.org');
    await sleep(3000);
    calls.length = 0;
    const info = await login.userinfo();
    assert.equal(info.sub, claims.sub);
    assert.deepEqual(calls, ['/auth/userinfo', '/auth/refresh', '/auth/userinfo']);
  });

  test('uplift: a patient below the requested level proves identity and comes back at it; a higher patient gets the requested vector', async () => {
    const low = await signIn(ops.nhs, { patient: 'p0', vtr: ['P9.Cp.Cd'], scope: ['openid', 'profile'] });
    const up = await (await exchange(ops.nhs, low)).json();
    const c0 = await validateIdToken(up.id_token, { issuer: ops.nhs.issuer, clientId: CLIENT, jwks: jwksOf(ops.nhs), nonce: low.nonce, vtr: low.vtr });
    assert.equal(c0.vot, 'P9.Cp.Cd');
    assert.equal(c0.identity_proofing_level, 'P9');
    const high = await signIn(ops.nhs, { patient: 'p9', vtr: ['P5.Cp.Cd'], scope: ['openid', 'profile'] });
    const t5 = await (await exchange(ops.nhs, high)).json();
    const c5 = await validateIdToken(t5.id_token, { issuer: ops.nhs.issuer, clientId: CLIENT, jwks: jwksOf(ops.nhs), nonce: high.nonce, vtr: high.vtr });
    assert.equal(c5.vot, 'P5.Cp.Cd');
    assert.equal(c5.identity_proofing_level, 'P9');
  });

  test('an edge configured with another issuer than discovery names: 500 invalid_configuration on every route, naming both', async () => {
    const op = ops.nhs;
    // The trailing-slash variant NHS login's docs show once (UNCONFIRMED): a deployment mistake.
    const send = await makeSend(
      op.config({ issuer: `${op.issuer}/`, tokenEndpoint: op.endpoints.token, jwksUri: op.endpoints.jwks, userinfoEndpoint: op.endpoints.userinfo, discoveryUrl: op.endpoints.discovery }),
    );
    const s = await signIn(op);
    const res = await exchange(op, s, send);
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.error, 'invalid_configuration');
    assert.ok(body.error_description.includes(`"${op.issuer}/"`) && body.error_description.includes(`"${op.issuer}"`), body.error_description);
    for (const [path, init] of [['/auth/jwks', {}], ['/auth/.well-known/openid-configuration', {}], ['/auth/refresh', { method: 'POST' }]]) {
      const r = await send(path, { ...init, headers: { origin: ORIGIN } });
      assert.equal(r.status, 500, path);
      assert.equal((await r.json()).error, 'invalid_configuration', path);
    }
    // The code was not spent: the correctly configured edge still exchanges it.
    assert.equal((await exchange(op, s)).status, 200);
  });
}
