// Edge sessions (issue 11), against the local NHS-login-like provider and run
// in every runtime with the runtime's `makeSend(config)`: NHS login's session
// rules enforced where the refresh token lives, refresh races, whose session
// an answer belongs to, SSO assertion limits, the token endpoint's rate limit,
// sessions that can be ended (a store), and GET /session.
import assert from 'node:assert/strict';
import { createAuthorizationRequest, parseCallback, NhsLogin } from 'nhs-login-client';
import { startProvider } from '../../tests/provider/provider.mjs';
import { signInWithFetch } from '../../tests/provider/user-agent.mjs';
import { sealSession, openSession, sessionCookieValue } from '../src/edge-cookie.js';
import { MemoryStorage, decodeJwt } from './helpers.js';
import { startFaultyUpstream } from './upstream.js';

const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const SECRET = Buffer.alloc(32, 5);
const enc = new TextEncoder();

export function edgeSessionSuite(test, { before, after }, makeSend) {
  let op, client, send;
  const config = (over = {}) => ({
    issuer: op.issuer,
    clientId: 'session-client',
    privateKey: client.privateKeyPem,
    keyId: client.kid,
    allowedOrigins: [ORIGIN],
    redirectUris: [REDIRECT],
    cookieSecret: SECRET.toString('base64url'),
    vtr: ['P9.Cp.Cd', 'P5.Cp.Cd'],
    timeoutMs: 5000,
    ...over,
  });
  before(async () => {
    op = await startProvider({ port: 0, clients: [{ client_id: 'session-client', redirect_uris: [REDIRECT] }], log: false });
    client = op.clientKeys['session-client'];
    send = await makeSend(config());
  });
  after(() => op?.close());

  const cookieOf = (res) => /^(__Host-nhs-login=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  const maxAgeOf = (res) => Number(/Max-Age=(\d+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]);
  const aesKey = () => crypto.subtle.importKey('raw', SECRET, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const aad = () => enc.encode('nhs-login-client/session/v1/session-client');
  /** The session sealed in a cookie (opened here with the test's secret). */
  const open = async (cookie) => openSession(await aesKey(), aad(), sessionCookieValue(cookie), 0);
  /** The cookie of `session`, sealed here as the handler would (a copy, a tab reopened later...). */
  const forge = async (session) => `__Host-nhs-login=${await sealSession(await aesKey(), aad(), session)}`;

  /** A patient signed in through the handler: { cookie, tokens, res }. */
  async function signedIn({ patient = 'p9', vtr = ['P9.Cp.Cd'], sender = send } = {}) {
    const req = await createAuthorizationRequest({ authorizationEndpoint: op.endpoints.authorization, clientId: 'session-client', redirectUri: REDIRECT, scope: ['openid', 'profile'], vtr });
    const back = await signInWithFetch({ authorizeUrl: req.url, redirectUri: REDIRECT, patient });
    const { code } = await parseCallback(back, { state: req.state, issuer: op.issuer });
    const res = await sender('/auth/token', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ code, code_verifier: req.codeVerifier, redirect_uri: REDIRECT, nonce: req.nonce }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return { cookie: cookieOf(res), tokens: await res.json(), res };
  }
  const post = (path, cookie, sender = send) => sender(path, { method: 'POST', headers: { origin: ORIGIN, ...(cookie ? { cookie } : {}) } });
  const expectLoginRequired = async (res, re) => {
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error, 'login_required', JSON.stringify(body));
    if (re) assert.match(body.error_description, re);
  };

  // Issue 11 (1): the 30-minute inactivity rule was enforced by browser timers only.
  test('(1) an idle or too old session is refused by every cookie route (401 login_required); use re-seals it', async () => {
    const { cookie, tokens, res } = await signedIn();
    assert.ok(maxAgeOf(res) <= 1800, 'the cookie lives no longer than the idle window');
    const s = await open(cookie);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(s.createdAt - now) <= 5 && s.lastUsedAt === s.createdAt && s.exp === s.createdAt + 43200);

    const idle = await forge({ ...s, lastUsedAt: now - 1801 });
    const old = await forge({ ...s, createdAt: now - 43201, lastUsedAt: now });
    const legacy = await forge({ sub: s.sub, jti: s.jti, rt: s.rt, exp: now + 3600 }); // no timestamps
    for (const [what, c, re] of [['idle', idle, /idle/], ['too old', old, /older/], ['without timestamps', legacy, /older/]]) {
      await expectLoginRequired(await post('/auth/refresh', c), re);
      await expectLoginRequired(await post('/auth/sso-assertion', c), re);
      await expectLoginRequired(await send('/auth/userinfo', { headers: { origin: ORIGIN, cookie: c, authorization: `Bearer ${tokens.access_token}` } }), re);
      void what;
    }

    // Used 29 minutes ago: still alive, and each use starts the idle window again.
    const recent = await forge({ ...s, lastUsedAt: now - 29 * 60 });
    const rf = await post('/auth/refresh', recent);
    assert.equal(rf.status, 200, await rf.clone().text());
    const resealed = await open(cookieOf(rf));
    assert.ok(resealed.lastUsedAt >= now, 'refresh re-seals with lastUsedAt now');
    assert.equal(resealed.createdAt, s.createdAt, 'the absolute deadline does not move');
    assert.ok(maxAgeOf(rf) <= 1800);
    const { access_token: at } = await rf.json();
    const ui = await send('/auth/userinfo', { headers: { origin: ORIGIN, cookie: await forge({ ...resealed, lastUsedAt: now - 60 }), authorization: `Bearer ${at}` } });
    assert.equal(ui.status, 200, await ui.clone().text());
    assert.ok((await open(cookieOf(ui))).lastUsedAt >= now, 'userinfo re-seals');
    const sso = await post('/auth/sso-assertion', await forge({ ...resealed, lastUsedAt: now - 60 }));
    assert.equal(sso.status, 200, await sso.clone().text());
    assert.ok((await open(cookieOf(sso))).lastUsedAt >= now, 'sso-assertion re-seals');

    // Near the absolute deadline the cookie's Max-Age is what is left of it.
    const late = await post('/auth/sso-assertion', await forge({ ...resealed, createdAt: now - 43200 + 100, exp: now + 100 }));
    assert.equal(late.status, 200);
    assert.ok(maxAgeOf(late) <= 100);
  });

  // Issue 11 (3): two tabs refreshing at once; the loser's invalid_grant cleared the cookie.
  test('(3) two concurrent refreshes: the loser gets 401 invalid_grant and keeps its cookie; the winner\'s cookie keeps working', async () => {
    const { cookie } = await signedIn();
    const [a, b] = await Promise.all([post('/auth/refresh', cookie), post('/auth/refresh', cookie)]);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    assert.deepEqual([winner.status, loser.status], [200, 401], `${a.status} ${b.status}`);
    assert.equal((await loser.json()).error, 'invalid_grant');
    assert.equal(loser.headers.get('set-cookie'), null, 'the loser\'s answer does not clear the cookie');
    const won = cookieOf(winner);
    await winner.arrayBuffer();
    // The spent token was never presented to the provider again, so the grant lives on.
    const next = await post('/auth/refresh', won);
    assert.equal(next.status, 200, await next.clone().text());
    // The stale cookie later: still 401, still not cleared, and the newest cookie still works.
    const stale = await post('/auth/refresh', cookie);
    assert.equal(stale.status, 401);
    assert.equal(stale.headers.get('set-cookie'), null);
    await stale.arrayBuffer();
    assert.equal((await post('/auth/refresh', cookieOf(next))).status, 200);
  });

  test('(3) NHS login\'s own invalid_grant on /refresh is 401 and does not clear the cookie', async () => {
    // Another instance (isolate) presents a refresh token this one already rotated: NHS login says invalid_grant.
    const { cookie } = await signedIn();
    const rf = await post('/auth/refresh', cookie);
    assert.equal(rf.status, 200);
    await rf.arrayBuffer();
    const elsewhere = await makeSend(config());
    const res = await post('/auth/refresh', cookie, elsewhere);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, 'invalid_grant');
    assert.equal(res.headers.get('set-cookie'), null);
  });

  /**
   * A browser's view of the handler for NhsLogin: its fetch adds the Origin and
   * keeps the session cookie in one jar shared by all its "tabs".
   */
  function browser(sender = send) {
    const jar = { cookie: undefined };
    const fetch = async (url, init = {}) => {
      const res = await sender(new URL(url).pathname, { ...init, headers: { ...init.headers, origin: ORIGIN, ...(jar.cookie ? { cookie: jar.cookie } : {}) } });
      const set = res.headers.get('set-cookie');
      if (set) jar.cookie = /Max-Age=0;/.test(set) ? undefined : cookieOf(res);
      return res;
    };
    const tab = () =>
      new NhsLogin({
        authorizationEndpoint: op.endpoints.authorization,
        issuer: op.issuer,
        clientId: 'session-client',
        redirectUri: REDIRECT,
        scope: ['openid', 'profile'],
        storage: new MemoryStorage(),
        edgeUrl: 'https://edge.example/auth',
        fetch,
      });
    return { jar, tab };
  }
  async function signInTab(login, patient, vtr) {
    const back = await signInWithFetch({ authorizeUrl: await login.signIn({ redirect: false, vtr }), redirectUri: REDIRECT, patient });
    return login.completeSignIn(back);
  }

  // Issue 11 (4): a tab still showing patient A received patient B's tokens.
  test('(4) /refresh and /sso-assertion say whose session; NhsLogin rejects another patient\'s with session_changed', async () => {
    const device = browser();
    const tabA = device.tab();
    const a = await signInTab(tabA, 'p9', ['P9.Cp.Cd']);
    const own = await tabA.refresh();
    assert.equal(typeof own.accessToken, 'string');
    const rf = await post('/auth/refresh', device.jar.cookie);
    assert.equal((await rf.json()).sub, a.claims.sub, '/refresh names the session\'s patient');
    device.jar.cookie = cookieOf(rf);
    const sso = await post('/auth/sso-assertion', device.jar.cookie);
    const ssoBody = await sso.json();
    assert.equal(ssoBody.sub, a.claims.sub, '/sso-assertion names the session\'s patient');
    device.jar.cookie = cookieOf(sso);

    // Patient B signs in in another tab of the same browser: the cookie is now B's.
    const b = await signInTab(device.tab(), 'p5', ['P5.Cp.Cd']);
    assert.notEqual(b.claims.sub, a.claims.sub);
    await assert.rejects(tabA.refresh(), (e) => e.code === 'session_changed');
    assert.equal(tabA.accessToken, undefined, 'B\'s access token is not kept for A');
    await assert.rejects(tabA.ssoAssertion(), (e) => e.code === 'session_changed');
    // userinfo refreshes first (no access token any more): session_changed too, never B's details.
    await assert.rejects(tabA.userinfo(), (e) => e.code === 'session_changed');
  });

  // Issue 11 (6): assertions were minted from an ID token jti up to 12 hours old, typed like client assertions.
  test('(6) SSO assertions: only while the ID token is at most 60 minutes old (409 sso_unavailable), typed apart, accepted by NHS login', async () => {
    const { cookie, tokens } = await signedIn();
    const s = await open(cookie);
    const idIat = decodeJwt(tokens.id_token).payload.iat;
    assert.equal(s.iat, idIat, 'the ID token\'s iat is kept in the session');
    const now = Math.floor(Date.now() / 1000);
    for (const stale of [{ ...s, iat: now - 3601 }, { ...s, iat: undefined }]) {
      const res = await post('/auth/sso-assertion', await forge({ ...stale, lastUsedAt: now }));
      assert.equal(res.status, 409);
      const body = await res.json();
      assert.equal(body.error, 'sso_unavailable');
      assert.equal(res.headers.get('set-cookie'), null);
    }
    // Idle: the session itself is refused first.
    await expectLoginRequired(await post('/auth/sso-assertion', await forge({ ...s, lastUsedAt: now - 1801 })));

    const ok = await post('/auth/sso-assertion', await forge({ ...s, iat: now - 3500, lastUsedAt: now }));
    assert.equal(ok.status, 200);
    const { asserted_login_identity: ali } = await ok.json();
    assert.equal(decodeJwt(ali).header.typ, 'nhs-login-sso+jwt', 'RFC 8725 3.11: not the client assertion\'s typ');
    // NHS login's SSO (the local provider) accepts it: a silent sign-in of the same patient.
    const req = await createAuthorizationRequest({ authorizationEndpoint: op.endpoints.authorization, clientId: 'session-client', redirectUri: REDIRECT, scope: ['openid'], vtr: ['P9.Cp.Cd'], prompt: 'none', assertedLoginIdentity: ali });
    const back = await signInWithFetch({ authorizeUrl: req.url, redirectUri: REDIRECT });
    const { code } = await parseCallback(back, { state: req.state, issuer: op.issuer });
    assert.equal(typeof code, 'string');
  });

  // Issue 11 (5): /token signed and called NHS login for anyone, without limit.
  test('(5) /token is rate limited per client before any signing or upstream call: 429 slow_down with Retry-After', async () => {
    const up = await startFaultyUpstream();
    try {
      up.mode = 'error'; // NHS login refuses the (made-up) codes: each call still costs a signature and a round trip
      const limited = await makeSend({ ...config(), issuer: up.url, rateLimit: { requests: 3, periodSeconds: 60 } });
      const token = (headers, body = { code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: REDIRECT, nonce: 'n' }) =>
        limited('/auth/token', { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      const calls = () => up.count('/token');
      const a = { 'cf-connecting-ip': '192.0.2.1' };
      // A malformed body is refused before any key is used (and counts against the limit).
      assert.equal((await token(a, '{')).status, 400);
      assert.equal(calls(), 0);
      for (let i = 0; i < 2; i++) assert.equal((await token(a)).status, 400);
      assert.equal(calls(), 2);
      const over = await token(a);
      assert.equal(over.status, 429);
      assert.equal((await over.json()).error, 'slow_down');
      const retry = Number(over.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      assert.equal(over.headers.get('cache-control'), 'no-store');
      assert.equal(calls(), 2, 'no upstream call over the limit');
      assert.equal((await token(a, '{')).status, 429, 'limited before the body is read');
      // Another client is not limited by the first. (Which header names the client is unit-tested in
      // edge-units.test.js: workerd, like Cloudflare, sets CF-Connecting-IP itself when a request has none.)
      assert.equal((await token({ 'cf-connecting-ip': '192.0.2.2' })).status, 400);
      assert.equal(calls(), 3);
    } finally {
      await up.close();
    }
  });

  // Issue 11 (2): sign-out cleared the cookie in one browser, but a copy taken before kept working.
  test('(2) without a store, a copied cookie outlives sign-out (documented); with a session store, sign-out ends every copy', async () => {
    // Without a store: the sealed cookie is the whole session, and nothing can end a copy before it expires.
    const plain = await signedIn();
    assert.equal((await post('/auth/sign-out', plain.cookie)).status, 204);
    const copy = await post('/auth/refresh', plain.cookie);
    assert.equal(copy.status, 200, 'the documented limit of a stateless session');
    await copy.arrayBuffer();

    const stored = await makeSend(config(), { store: true });
    const { cookie } = await signedIn({ sender: stored });
    const sealed = await open(cookie);
    assert.deepEqual(Object.keys(sealed).sort(), ['createdAt', 'exp', 'lastUsedAt', 'sid'], 'the cookie carries only a session id (and its deadlines)');
    assert.match(sealed.sid, /^[A-Za-z0-9_-]{43}$/);
    const rf = await post('/auth/refresh', cookie, stored);
    assert.equal(rf.status, 200, await rf.clone().text());
    const current = cookieOf(rf);
    assert.equal((await open(current)).sid, sealed.sid, 'the same session id');
    await rf.arrayBuffer();
    const out = await post('/auth/sign-out', current, stored);
    assert.equal(out.status, 204);
    // Every copy, old or new, stops working.
    await expectLoginRequired(await post('/auth/refresh', cookie, stored), /ended/);
    await expectLoginRequired(await post('/auth/refresh', current, stored), /ended/);
    await expectLoginRequired(await post('/auth/sso-assertion', current, stored), /ended/);
  });

  // Issue 11 "resume after a reload": a reload lost the sign-in (tokens in memory, no ID token from /refresh).
  test('(7) GET /session: the claims as validated at sign-in, vot and deadlines; 401 without a session; NhsLogin.resume()', async () => {
    await expectLoginRequired(await send('/auth/session', { headers: { origin: ORIGIN } }));
    for (const store of [false, true]) {
      const sender = store ? await makeSend(config(), { store: true }) : send;
      const device = browser(sender);
      const first = device.tab();
      const signed = await signInTab(first, 'p9', ['P9.Cp.Cd']);
      const res = await sender('/auth/session', { headers: { origin: ORIGIN, cookie: device.jar.cookie } });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = await res.json();
      const { nonce, ...expected } = signed.claims;
      assert.equal(typeof nonce, 'string');
      assert.deepEqual(body.claims, expected, 'the claims as validated at sign-in (without the nonce)');
      assert.equal(body.vot, 'P9.Cp.Cd');
      assert.equal(body.sub, signed.claims.sub);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(Math.abs(body.idleExpiresAt - (now + 1800)) <= 5, 'idle deadline');
      assert.ok(body.expiresAt - now > 43000 && body.expiresAt - now <= 43200, 'absolute deadline');

      // The page reloads: a new NhsLogin restores the state in one call.
      const reloaded = device.tab();
      const r = await reloaded.resume();
      assert.deepEqual(r.claims, expected);
      assert.equal(r.vot, 'P9.Cp.Cd');
      assert.equal(typeof r.accessToken, 'string');
      const info = await reloaded.userinfo();
      assert.equal(info.sub, signed.claims.sub);

      assert.equal(await reloaded.signOut(), true);
      assert.equal(await device.tab().resume(), null, 'no session: null');
    }
    // Idle: 401 like every cookie route.
    const { cookie } = await signedIn();
    const s = await open(cookie);
    await expectLoginRequired(await send('/auth/session', { headers: { origin: ORIGIN, cookie: await forge({ ...s, lastUsedAt: s.lastUsedAt - 1801 }) } }));
  });
}
