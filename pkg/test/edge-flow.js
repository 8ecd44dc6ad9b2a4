// The full NHS login code flow through the edge handler, against the local
// NHS-login-like provider (a real OpenID provider, tests/provider/): authorize
// at the provider, sign in, exchange through the handler, validate, userinfo,
// refresh, SSO assertion, and the assertion used for a silent sign-in.
// Run in every runtime with the runtime's `makeSend(config)`.
import assert from 'node:assert/strict';
import { createAuthorizationRequest, parseCallback, validateIdToken, createRemoteJwks, NhsLogin } from 'nhs-login-client';
import { startProvider } from '../../tests/provider/provider.mjs';
import { CookieJar, signInWithFetch } from '../../tests/provider/user-agent.mjs';
import { decodeJwt, verifyRs512, MemoryStorage, makeClientKey } from './helpers.js';

const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';

export function edgeFlowSuite(test, { before, after }, makeSend) {
  let op, send, client, p9Send, jSend;
  const cookieOf = (res) => {
    const line = res.headers.get('set-cookie') ?? '';
    return /^(__Host-nhs-login=[^;]*)/.exec(line)?.[1];
  };
  const config = (over = {}) => ({
    issuer: op.issuer,
    clientId: 'edge-client',
    privateKey: client.privateKeyPem,
    keyId: client.kid,
    allowedOrigins: [ORIGIN],
    redirectUris: [REDIRECT],
    cookieSecret: Buffer.alloc(32, 9).toString('base64url'),
    vtr: ['P9.Cp.Cd', 'P5.Cp.Cd', 'P0.Cp'],
    timeoutMs: 5000,
    ...over,
  });
  before(async () => {
    op = await startProvider({ port: 0, clients: [{ client_id: 'edge-client', redirect_uris: [REDIRECT] }], log: false });
    client = op.clientKeys['edge-client'];
    send = await makeSend(config());
    p9Send = await makeSend(config({ vtr: ['P9.Cp.Cd'] }));
    // The issue 12 tests below exchange many codes in a row: no /token rate limit for them.
    jSend = await makeSend(config({ rateLimit: false }));
  });
  after(() => op?.close());

  /** Signs `patient` in at the provider and returns what the SPA holds after the redirect. */
  async function signIn({ patient = 'p9', vtr = ['P9.Cp.Cd'], scope = ['openid', 'profile', 'email'], extra = {}, jar } = {}) {
    const req = await createAuthorizationRequest({ authorizationEndpoint: op.endpoints.authorization, clientId: 'edge-client', redirectUri: REDIRECT, scope, vtr, ...extra });
    const back = await signInWithFetch({ authorizeUrl: req.url, redirectUri: REDIRECT, patient, jar });
    const { code } = await parseCallback(back, { state: req.state, issuer: op.issuer });
    return { ...req, code, vtr };
  }
  const exchange = (s, sender = send, body = {}) =>
    sender('/auth/token', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ code: s.code, code_verifier: s.codeVerifier, redirect_uri: REDIRECT, nonce: s.nonce, ...body }),
    });
  // The SPA validates with the JWKS the edge serves (NHS login's has no CORS).
  const edgeJwks = () => createRemoteJwks('https://edge.example/auth/jwks', { fetch: (url) => send(new URL(url).pathname, { headers: { origin: ORIGIN } }) });

  test('full flow: sign in, exchange, validate, userinfo, refresh, SSO assertion', async () => {
    const jar = new CookieJar();
    const s = await signIn({ jar });
    const res = await exchange(s);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    const tokens = await res.json();
    assert.deepEqual(Object.keys(tokens).sort(), ['access_token', 'expires_in', 'id_token', 'scope', 'token_type'].filter((k) => k in tokens).sort());
    assert.equal(tokens.refresh_token, undefined, 'the refresh token never reaches the browser');
    const setCookie = res.headers.get('set-cookie');
    assert.match(setCookie, /^__Host-nhs-login=[A-Za-z0-9_-]+; Path=\/; Max-Age=1800; HttpOnly; Secure; SameSite=Strict$/);
    const cookie = cookieOf(res);

    const claims = await validateIdToken(tokens.id_token, { issuer: op.issuer, clientId: 'edge-client', jwks: edgeJwks(), nonce: s.nonce, vtr: s.vtr });
    assert.equal(claims.vot, 'P9.Cp.Cd');
    assert.equal(claims.nhs_number, '9990000018');
    assert.equal(claims.identity_proofing_level, 'P9');

    const discovery = await (await send('/auth/.well-known/openid-configuration', { headers: { origin: ORIGIN } })).json();
    assert.equal(discovery.issuer, op.issuer);

    const ui = await send('/auth/userinfo', { headers: { origin: ORIGIN, authorization: `Bearer ${tokens.access_token}`, cookie } });
    assert.equal(ui.status, 200);
    const info = await ui.json();
    assert.equal(info.sub, claims.sub);
    assert.equal(info.email, claims.email ?? info.email);

    const rf = await send('/auth/refresh', { method: 'POST', headers: { origin: ORIGIN, cookie } });
    assert.equal(rf.status, 200, await rf.clone().text());
    const refreshed = await rf.json();
    assert.equal(typeof refreshed.access_token, 'string');
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.id_token, undefined, 'no ID token on refresh (EIS Table 8)');
    const newCookie = cookieOf(rf);
    assert.ok(newCookie && newCookie !== cookie, 'the rotated refresh token is sealed in a new cookie');

    const sso = await send('/auth/sso-assertion', { method: 'POST', headers: { origin: ORIGIN, cookie: newCookie } });
    assert.equal(sso.status, 200);
    const { asserted_login_identity: ali } = await sso.json();
    const { header, payload } = decodeJwt(ali);
    assert.equal(header.alg, 'RS512');
    assert.equal(payload.iss, 'edge-client');
    assert.equal(payload.code, claims.jti);
    assert.ok(payload.exp - payload.iat <= 60 && typeof payload.jti === 'string');
    const pub = await crypto.subtle.importKey('jwk', client.publicJwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, false, ['verify']);
    assert.ok(await verifyRs512(ali, pub));

    // Sign-out ends the edge session: the cookie is cleared and refresh no longer works.
    const out = await send('/auth/sign-out', { method: 'POST', headers: { origin: ORIGIN, cookie: newCookie } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /^__Host-nhs-login=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=Strict$/);

    // The assertion signs the same patient in silently (NHS App style jump-off).
    const silent = await signIn({ extra: { prompt: 'none', assertedLoginIdentity: ali }, jar: new CookieJar() });
    const t2 = await (await exchange(silent)).json();
    const c2 = await validateIdToken(t2.id_token, { issuer: op.issuer, clientId: 'edge-client', jwks: edgeJwks(), nonce: silent.nonce, vtr: silent.vtr });
    assert.equal(c2.sub, claims.sub);
  });

  test('the client assertion is private_key_jwt RS512 as NHS login expects', async () => {
    // Seen by the real provider: a successful exchange proves iss/sub/aud/alg/kid were accepted.
    // Here we also check the handler refuses codes the provider refuses, and passes the error on.
    const s = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const ok = await exchange(s);
    assert.equal(ok.status, 200);
    const replay = await exchange(s);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).error, 'invalid_grant');
    const wrongVerifier = await exchange(await signIn({ patient: 'p0', vtr: ['P0.Cp'], scope: ['openid'] }), send, { code_verifier: 'b'.repeat(43) });
    assert.equal(wrongVerifier.status, 400);
    assert.equal((await wrongVerifier.json()).error, 'invalid_grant');
  });

  test('an ID token whose vot misses the configured vtr is refused (502 invalid_id_token)', async () => {
    const s = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const res = await exchange(s, p9Send);
    assert.equal(res.status, 502);
    const body = await res.json();
    assert.equal(body.error, 'invalid_id_token');
    assert.match(body.error_description, /vot_not_satisfied/);
    assert.equal(res.headers.get('set-cookie'), null);
  });

  test('a wrong nonce from the SPA is refused', async () => {
    const s = await signIn();
    const res = await exchange(s, send, { nonce: 'not-the-nonce' });
    assert.equal(res.status, 502);
    assert.match((await res.json()).error_description, /invalid_nonce/);
  });

  test("userinfo of another user than the session's ID token is refused (EIS 3.6.2)", async () => {
    const a = await (await exchange(await signIn({ patient: 'p9' }))).json();
    const bRes = await exchange(await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] }));
    const bCookie = cookieOf(bRes);
    await bRes.arrayBuffer();
    const res = await send('/auth/userinfo', { headers: { origin: ORIGIN, authorization: `Bearer ${a.access_token}`, cookie: bCookie } });
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error, 'invalid_userinfo');
  });

  test('NhsLogin.completeSignIn: redirect, exchange at the edge, validation; replay refused', async () => {
    // What the browser adds by itself: the Origin header.
    const viaEdge = (sender) => (url, init = {}) => sender(new URL(url).pathname, { ...init, headers: { ...init.headers, origin: ORIGIN } });
    const options = {
      authorizationEndpoint: op.endpoints.authorization,
      issuer: op.issuer,
      clientId: 'edge-client',
      redirectUri: REDIRECT,
      scope: ['openid', 'profile'],
      storage: new MemoryStorage(),
      edgeUrl: 'https://edge.example/auth',
    };
    const login = new NhsLogin({ ...options, vtr: ['P9.Cp.Cd'], fetch: viaEdge(send) });
    const back = await signInWithFetch({ authorizeUrl: await login.signIn({ redirect: false }), redirectUri: REDIRECT, patient: 'p9' });
    const r = await login.completeSignIn(back);
    assert.equal(r.claims.nhs_number, '9990000018');
    assert.equal(r.claims.vot, 'P9.Cp.Cd');
    assert.equal(typeof r.accessToken, 'string');
    await assert.rejects(login.completeSignIn(back), (e) => e.code === 'state_mismatch');

    // The page asked for vectors the edge is not configured with: refused before the code is spent.
    const strict = new NhsLogin({ ...options, vtr: ['P5.Cp.Cd'], fetch: viaEdge(p9Send) });
    const back5 = await signInWithFetch({ authorizeUrl: await strict.signIn({ redirect: false }), redirectUri: REDIRECT, patient: 'p5' });
    await assert.rejects(strict.completeSignIn(back5), (e) => {
      assert.deepEqual([e.code, e.error, e.status, e.reason], ['token_exchange_failed', 'invalid_request', 400, 'edge_refused']);
      // Both lists named, so the developer sees the mismatch at once.
      assert.match(e.message, /asked for vectors of trust \[P5\.Cp\.Cd\] but this handler accepts only \[P9\.Cp\.Cd\]/);
      return true;
    });
    // The edge answered with its clock, and the token was judged by it.
    assert.equal(typeof r.clockOffsetSeconds, 'number');
    assert.ok(Math.abs(r.clockOffsetSeconds) < 5, `clock offset ${r.clockOffsetSeconds}`);
  });

  test('token_exchange_failed says which case it is: edge not found, unreachable, refused by NHS login (invalid_client: what to check)', async () => {
    const viaEdge = (sender) => (url, init = {}) => sender(new URL(url).pathname, { ...init, headers: { ...init.headers, origin: ORIGIN } });
    const options = { authorizationEndpoint: op.endpoints.authorization, issuer: op.issuer, clientId: 'edge-client', redirectUri: REDIRECT, vtr: ['P9.Cp.Cd'], storage: new MemoryStorage() };
    const backFor = async (login) => signInWithFetch({ authorizeUrl: await login.signIn({ redirect: false }), redirectUri: REDIRECT, patient: 'p9' });

    // A wrong edgeUrl: the handler has no route there (404).
    const lost = new NhsLogin({ ...options, edgeUrl: 'https://edge.example/oauth', fetch: viaEdge(send) });
    await assert.rejects(lost.completeSignIn(await backFor(lost)), (e) => {
      assert.deepEqual([e.code, e.status, e.reason], ['token_exchange_failed', 404, 'edge_not_found']);
      assert.match(e.message, /nothing at https:\/\/edge\.example\/oauth\/token answers as the edge handler \(HTTP 404\): check `edgeUrl`/);
      return true;
    });

    // Nothing listening: a network error.
    const gone = new NhsLogin({ ...options, edgeUrl: 'http://127.0.0.1:1/auth' });
    await assert.rejects(gone.completeSignIn(await backFor(gone)), (e) => {
      assert.deepEqual([e.code, e.reason], ['token_exchange_failed', 'edge_unreachable']);
      assert.match(e.message, /the edge handler at http:\/\/127\.0\.0\.1:1\/auth\/token could not be reached/);
      return true;
    });

    // A private key NHS login never registered (with the registered kid): NHS login refuses the client
    // assertion. (Not a wrong kid alone: whether NHS login, holding one registered key, checks kid is
    // UNCONFIRMED, and a provider stricter there would prove nothing about NHS login.)
    const stranger = await makeClientKey(client.kid);
    const wrongKey = await makeSend(config({ privateKey: stranger.pem, rateLimit: false }));
    const refused = new NhsLogin({ ...options, edgeUrl: 'https://edge.example/auth', fetch: viaEdge(wrongKey) });
    await assert.rejects(refused.completeSignIn(await backFor(refused)), (e) => {
      assert.deepEqual([e.code, e.error, e.reason], ['token_exchange_failed', 'invalid_client', 'nhs_login_refused']);
      assert.equal(e.status, 401);
      assert.match(e.message, /^NHS login refused the code exchange \(invalid_client\): .*check that `clientId` .*`keyId` equals the kid registered/);
      return true;
    });
  });

  // ---- issue 12: per-request vtr, PATCH /userinfo, step-up and the settings link ----

  test('/token: a per-request vtr must be among the configured vectors (else 400 invalid_request); vot is held to it', async () => {
    const s = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] });
    for (const vtr of [['P9.Cm'], [], 'P5.Cp.Cd', ['P5.Cp.Cd', 7]]) {
      const res = await exchange(s, jSend, { vtr });
      assert.equal(res.status, 400, JSON.stringify(vtr));
      assert.equal((await res.json()).error, 'invalid_request');
    }
    // The code was not spent by the refusals; the patient's P5 vot misses the P9 vector asked for.
    const res = await exchange(s, jSend, { vtr: ['P9.Cp.Cd'] });
    assert.equal(res.status, 502);
    assert.match((await res.json()).error_description, /vot_not_satisfied/);
    const ok = await exchange(await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] }), jSend, { vtr: ['P5.Cp.Cd'] });
    assert.equal(ok.status, 200, await ok.clone().text());
  });

  test('PATCH /userinfo relays client_user_metadata with the bearer token: 204 (EIS §3.6.3–3.6.4)', async () => {
    const res = await exchange(await signIn({ patient: 'p9', scope: ['openid', 'profile', 'client_metadata'] }), jSend);
    const { access_token: at } = await res.json();
    const cookie = cookieOf(res);
    const patch = (body, headers = {}) =>
      jSend('/auth/userinfo', { method: 'PATCH', headers: { origin: ORIGIN, authorization: `Bearer ${at}`, cookie, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const read = async () => (await (await jSend('/auth/userinfo', { headers: { origin: ORIGIN, authorization: `Bearer ${at}`, cookie } })).json()).client_user_metadata;
    const set = await patch({ client_user_metadata: 'ref-123' });
    assert.equal(set.status, 204, await set.clone().text());
    assert.equal(await set.text(), '');
    assert.match(set.headers.get('set-cookie'), /^__Host-nhs-login=/, 'a use of the session');
    assert.equal(await read(), 'ref-123');
    assert.equal((await patch({ client_user_metadata: 'auto' })).status, 204);
    const auto = await read();
    assert.ok(auto && auto !== 'auto' && auto !== 'ref-123', 'NHS login generated a value');
    // Refused here, before NHS login is asked.
    const refused = [
      [{ client_user_metadata: 'x'.repeat(1025) }, 400],
      [{ client_user_metadata: 5 }, 400],
      [{ client_user_metadata: 'a', sub: 'other' }, 400],
      ['[]', 400],
    ];
    for (const [body, status] of refused) {
      const r = await patch(body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal((await r.json()).error, 'invalid_request');
    }
    assert.equal((await patch({ client_user_metadata: 'a' }, { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await patch({ client_user_metadata: 'a' }, { origin: '' })).status, 403, 'a PATCH needs an Origin');
    assert.equal((await patch({ client_user_metadata: 'a' }, { authorization: '' })).status, 401);
    assert.equal(await read(), auto, 'no refused call changed it');
    assert.equal((await patch({ client_user_metadata: '' })).status, 204);
    assert.equal(await read(), undefined, '"" cleared it');
    // Another patient's access token with this session: refused, nothing changed.
    const other = await (await exchange(await signIn({ patient: 'p0', vtr: ['P0.Cp'], scope: ['openid', 'client_metadata'] }), jSend)).json();
    const cross = await patch({ client_user_metadata: 'hijack' }, { authorization: `Bearer ${other.access_token}` });
    assert.equal(cross.status, 502);
    assert.equal((await cross.json()).error, 'invalid_userinfo');
    // Without the client_metadata scope NHS login answers 403 insufficient_scope, passed on.
    const plainRes = await exchange(await signIn({ patient: 'p9', scope: ['openid', 'profile'] }), jSend);
    const plain = await plainRes.json();
    const noScope = await jSend('/auth/userinfo', { method: 'PATCH', headers: { origin: ORIGIN, authorization: `Bearer ${plain.access_token}`, cookie: cookieOf(plainRes), 'content-type': 'application/json' }, body: '{"client_user_metadata":"a"}' });
    assert.equal(noScope.status, 403);
    assert.equal((await noScope.json()).error, 'insufficient_scope');
  });

  test('NhsLogin: setClientUserMetadata, settingsLink and stepUp P5 → P9 in the same visit', async () => {
    // A browser's cookie jar for the edge, and the Origin header it adds.
    let edgeCookie;
    const viaEdge = async (url, init = {}) => {
      const res = await jSend(new URL(url).pathname, { ...init, headers: { ...init.headers, origin: ORIGIN, ...(edgeCookie ? { cookie: edgeCookie } : {}) } });
      const c = cookieOf(res);
      if (c !== undefined) edgeCookie = c.endsWith('=') ? undefined : c;
      return res;
    };
    const login = new NhsLogin({
      authorizationEndpoint: op.endpoints.authorization,
      issuer: op.issuer,
      clientId: 'edge-client',
      redirectUri: REDIRECT,
      scope: ['openid', 'profile', 'client_metadata'],
      vtr: ['P5.Cp.Cd'],
      storage: new MemoryStorage(),
      edgeUrl: 'https://edge.example/auth',
      settingsUrl: op.endpoints.settings,
      fetch: viaEdge,
    });
    const first = await login.completeSignIn(await signInWithFetch({ authorizeUrl: await login.signIn({ redirect: false }), redirectUri: REDIRECT, patient: 'p5' }));
    assert.equal(first.claims.vot, 'P5.Cp.Cd');

    await login.setClientUserMetadata('case-77');
    assert.equal((await login.userinfo()).client_user_metadata, 'case-77');
    await assert.rejects(login.setClientUserMetadata('x'.repeat(1025)), (e) => e.code === 'invalid_option' && e.field === 'client_user_metadata');
    await assert.rejects(login.setClientUserMetadata(null), (e) => e.code === 'invalid_option');

    // The settings page takes the link's one-time assertion: no second sign-in.
    const link = await login.settingsLink();
    assert.ok(link.startsWith(`${op.endpoints.settings}?asserted_login_identity=`));
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Manage your NHS login[\s\S]*Bilal Okafor/);
    assert.equal((await fetch(link)).status, 400, 'one-time');

    // Step-up: higher vectors and an assertion; the provider goes straight to its uplift page.
    await assert.rejects(login.stepUp([]), (e) => e.code === 'invalid_option');
    const url = new URL(await login.stepUp(['P9.Cp.Cd'], { redirect: false }));
    assert.equal(url.searchParams.get('vtr'), '["P9.Cp.Cd"]');
    assert.ok(url.searchParams.get('asserted_login_identity'));
    assert.equal(url.searchParams.get('prompt'), null);
    const up = await login.completeSignIn(await signInWithFetch({ authorizeUrl: url.href, redirectUri: REDIRECT, patient: 'nobody: no login page' }));
    assert.equal(up.claims.sub, first.claims.sub);
    assert.equal(up.claims.vot, 'P9.Cp.Cd');
    assert.equal(up.claims.identity_proofing_level, 'P9');
  });
}
