// The edge handler's routes, each a `(Request) => Promise<Response>`:
// POST /token, POST /refresh, GET and PATCH /userinfo, POST /sso-assertion,
// GET /session, POST /sign-out, GET /jwks, GET /.well-known/openid-configuration.
import { checkIdToken, checkUserinfo } from './core.js';
import { HttpError, jsonResponse, readLimited, jsonObjectOf } from './edge-http.js';
import { bearerChallenge, passThroughError, jsonOf, upstreamError } from './edge-upstream.js';
import { clearCookie } from './edge-cookie.js';
import { createRefreshGuard } from './edge-refresh.js';
import { createRateLimiter } from './edge-ratelimit.js';
import { DEFAULT_VTR, VECTORS } from './generated.js';

const MAX_BODY = 16 * 1024; // request bodies
const SSO_MAX_ID_TOKEN_AGE = 60 * 60; // seconds (EIS Table 18: ID token lifetime)

/**
 * The JSON object body of a request: application/json, at most 16 KiB.
 * @param {Request} request
 * @returns {Promise<Record<string, any>>} rejects with a 415, 413 or 400 HttpError
 */
export async function jsonBody(request) {
  const type = (request.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'invalid_request', 'send the body as application/json');
  const tooLarge = () => new HttpError(413, 'invalid_request', `the body is larger than ${MAX_BODY} bytes`);
  const declared = Number(request.headers.get('content-length'));
  if (declared > MAX_BODY) throw tooLarge();
  const v = jsonObjectOf(new TextDecoder().decode(await readLimited(request.body, MAX_BODY, tooLarge)));
  if (!v) throw new HttpError(400, 'invalid_request', 'the body is not a JSON object');
  return v;
}

/**
 * A required non-empty string member of a request body, matching `re` when given.
 * @param {object} body
 * @param {string} name
 * @param {RegExp} [re]
 * @returns {string} or throws a 400 invalid_request naming the member
 */
export function field(body, name, re) {
  const v = body[name];
  if (typeof v !== 'string' || !v) throw new HttpError(400, 'invalid_request', `\`${name}\` is required`);
  if (re && !re.test(v)) throw new HttpError(400, 'invalid_request', `\`${name}\` is malformed`);
  return v;
}

/**
 * The members of `obj` named in `keys` that are not undefined.
 * @param {object} obj
 * @param {string[]} keys
 * @returns {object}
 */
export const pick = (obj, keys) => Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));

/**
 * The vectors of one /token request (`vtr` in its body, e.g. a step-up to P9):
 * undefined when absent (the configured vectors apply); otherwise each vector
 * must be one the handler is configured with, so a page can narrow what `vot`
 * may be, never widen it.
 * @param {unknown} value the body's `vtr`
 * @param {readonly string[]} configured the option `vtr`, or NHS login's default (EIS Table 1)
 * @returns {string[] | undefined}
 * @throws {HttpError} 400 invalid_request
 */
export function requestVtr(value, configured) {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.length || value.length > configured.length || value.some((v) => typeof v !== 'string' || !configured.includes(v))) {
    // Both lists named (issue 13: a P5 page against a P9 edge), the page's only
    // as far as its entries are vectors of trust (nothing else is echoed).
    const asked = Array.isArray(value) && value.length <= VECTORS.length ? value.map((v) => (VECTORS.includes(v) ? v : '(not a vector of trust)')).join(', ') : '(not a list of vectors)';
    throw new HttpError(
      400,
      'invalid_request',
      `the page asked for vectors of trust [${asked}] but this handler accepts only [${configured.join(', ')}] (its option \`vtr\`): configure the same vectors in the page and the edge`,
    );
  }
  return [...new Set(value)];
}

/** EIS §3.6.3 Table 14: `client_user_metadata` is at most 1024 characters. */
export const CLIENT_USER_METADATA_MAX = 1024;

/**
 * The body of a userinfo update (EIS §3.6.3): exactly `{ client_user_metadata }`,
 * a string of at most 1024 characters (`""` clears it, `"auto"` has NHS login
 * generate a new one).
 * @param {Record<string, unknown>} body
 * @returns {string}
 * @throws {HttpError} 400 invalid_request
 */
export function clientUserMetadata(body) {
  const extra = Object.keys(body).find((k) => k !== 'client_user_metadata');
  if (extra !== undefined) throw new HttpError(400, 'invalid_request', 'the body may only have `client_user_metadata` (EIS §3.6.3)');
  const v = body.client_user_metadata;
  if (typeof v !== 'string') throw new HttpError(400, 'invalid_request', '`client_user_metadata` must be a string');
  if (v.length > CLIENT_USER_METADATA_MAX) throw new HttpError(400, 'invalid_request', `\`client_user_metadata\` is longer than ${CLIENT_USER_METADATA_MAX} characters (EIS §3.6.3)`);
  return v;
}

// The nonce belonged to one sign-in; the page that resumes has no use for it.
const withoutNonce = ({ nonce, ...claims }) => claims;

/**
 * The route table: path → method → handler.
 * @param {import('./edge-config.js').EdgeConfig} config
 * @param {{
 *   upstream: import('./edge-upstream.js').Upstream,
 *   signer: ReturnType<typeof import('./edge-signing.js').createSigner>,
 *   cookie: ReturnType<typeof import('./edge-store.js').createSessions>,
 *   documents: ReturnType<typeof import('./edge-documents.js').createDocuments>,
 * }} deps
 * @returns {Record<string, Record<string, (request: Request) => Promise<Response>>>}
 */
export function createRoutes(config, { upstream, signer, cookie, documents }) {
  const { clientId, issuer, endpoints, redirectUris, vtr, clockSkewSeconds, requireNonce, cookieSecret, log, idleSeconds, sessionSeconds } = config;

  // The token endpoint, authenticated with private_key_jwt (RFC 7523 §2.2, EIS §3.5 Table 6).
  async function tokenRequest(params, what) {
    const body = new URLSearchParams({
      ...params,
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await signer.clientAssertion(),
    });
    const r = await upstream(endpoints.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, what);
    if (r.status !== 200 || typeof r.json?.error === 'string') throw passThroughError(r, what, log);
    const t = jsonOf(r, what, log);
    if (typeof t.access_token !== 'string' || !/^bearer$/i.test(t.token_type ?? '')) {
      log({ event: 'upstream_bad_token_answer', what });
      throw upstreamError(502, 'server_error', `NHS login's ${what} answer has no bearer access token`);
    }
    return t;
  }

  const limiter = createRateLimiter(config);

  async function token(request) {
    // Before the body is read, any key used or NHS login called.
    await limiter.check(request);
    const body = await jsonBody(request);
    const code = field(body, 'code', /^[\x21-\x7e]{1,2048}$/);
    // RFC 7636 4.1: 43–128 unreserved characters.
    const codeVerifier = field(body, 'code_verifier', /^[A-Za-z0-9._~-]{43,128}$/);
    const redirectUri = field(body, 'redirect_uri');
    if (!redirectUris.has(redirectUri)) throw new HttpError(400, 'invalid_request', '`redirect_uri` is not one of the registered redirect URIs');
    // The nonce the SPA sent: checked here too (OIDC Core 3.1.3.7 (11)). Only
    // with `requireNonce: false` may a SPA that checks it itself leave it out.
    const nonce = requireNonce || body.nonce != null ? field(body, 'nonce') : undefined;
    // The vectors this sign-in asked for (a step-up asks for more): `vot` must satisfy one of them.
    const wanted = requestVtr(body.vtr, vtr ?? DEFAULT_VTR);

    await documents.checkIssuer();
    const t = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }, 'token');
    if (typeof t.id_token !== 'string') {
      log({ event: 'upstream_bad_token_answer', what: 'token' });
      throw upstreamError(502, 'server_error', "NHS login's token answer has no id_token");
    }
    let claims;
    try {
      let warnings;
      ({ claims, warnings } = await checkIdToken(t.id_token, { issuer, clientId, jwks: documents.remoteJwks, vtr: wanted ?? vtr, clockSkewSeconds, nonce }, nonce === undefined));
      // A profile claim of an unexpected type was left out: the operator hears of it.
      for (const w of warnings) log({ event: 'claim_warning', claim: w.claim.slice(0, 64), message: w.message });
    } catch (e) {
      if (e instanceof HttpError) throw e;
      log({ event: 'id_token_rejected', code: e.code, ...(e.claim ? { claim: e.claim } : {}) });
      // The code and the claim at fault, so the operator need not guess (messages never carry values).
      throw new HttpError(502, 'invalid_id_token', `NHS login's ID token failed validation: ${e.code}${e.claim ? ` (claim \`${e.claim}\`)` : ''}: ${e.message}`);
    }
    // The clock this token was just validated by: NhsLogin corrects a device
    // clock that is off by it (issue 13), so the page does not refuse what the edge accepted.
    const headers = { date: new Date().toUTCString() };
    if (cookieSecret) {
      headers['set-cookie'] = await cookie.seal({
        sub: claims.sub,
        jti: claims.jti,
        iat: claims.iat, // the ID token's: SSO assertions only while it is at most 60 minutes old
        // The claims as validated here, for GET /session (never re-read from an unsigned source).
        claims: withoutNonce(claims),
        rt: typeof t.refresh_token === 'string' ? t.refresh_token : undefined,
        ...cookie.times(),
      });
    }
    return jsonResponse(200, pick(t, ['id_token', 'access_token', 'token_type', 'expires_in', 'scope']), headers);
  }

  const refreshGuard = createRefreshGuard();

  async function refresh(request) {
    const s = await cookie.open(request.headers.get('cookie'));
    if (!s.rt) throw new HttpError(400, 'invalid_grant', 'this session has no refresh token');
    let t;
    try {
      t = await refreshGuard.run(s.rt, () => tokenRequest({ grant_type: 'refresh_token', refresh_token: s.rt }, 'refresh'));
    } catch (e) {
      // invalid_grant is 401 and the cookie is kept: another tab (or isolate)
      // may have rotated the refresh token, and the browser may already hold
      // the winner's cookie. Clearing it would sign the patient out although
      // a valid refresh token exists. (A cookie whose token is really dead
      // keeps failing until the idle or absolute limit, or sign-out.)
      if (e instanceof HttpError && e.error === 'invalid_grant') e.status = 401;
      throw e;
    }
    // Keep the newest refresh token (EIS: "the latest valid refresh token").
    const sealed = await cookie.seal({ ...s, rt: typeof t.refresh_token === 'string' ? t.refresh_token : s.rt });
    // `sub`: whose session this is, so a tab still showing another patient can tell (issue 11 (4)).
    return jsonResponse(200, { ...pick(t, ['access_token', 'token_type', 'expires_in', 'scope']), sub: s.sub }, { 'set-cookie': sealed });
  }

  // The access token of an `Authorization: Bearer` header (RFC 6750 §2.1), or a 401.
  function bearerToken(request) {
    const m = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(request.headers.get('authorization') || '');
    if (!m) throw new HttpError(401, 'invalid_token', 'send the access token as `Authorization: Bearer ...`', { 'www-authenticate': 'Bearer' });
    return m[1];
  }

  // EIS §3.6.2.2, RFC 6750 §3.1: an expired or invalid access token is a 401
  // with the error in WWW-Authenticate and no body. The SPA refreshes and
  // retries: it is passed through as such, never as a 502.
  function throwIfBearerError(r, what) {
    if (r.status !== 401) return;
    const c = bearerChallenge(r.headers);
    log({ event: 'upstream_error', what, status: 401, error: c.error ?? 'invalid_token' });
    throw new HttpError(401, c.error ?? 'invalid_token', c.description ?? 'the access token is expired or invalid: refresh it and try again', {
      'www-authenticate': c.header ?? 'Bearer error="invalid_token"',
    });
  }

  // GET userinfo, its `sub` checked against the session's and its claims normalised.
  async function readUserinfo(token, s) {
    const r = await upstream(endpoints.userinfo, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, 'userinfo');
    throwIfBearerError(r, 'userinfo');
    if (r.status !== 200) throw passThroughError(r, 'userinfo', log);
    // EIS §3.6.2 / OIDC Core 5.3.2: the userinfo sub MUST equal the ID token's
    // (checked in the core, which also normalises the profile claims).
    let info;
    try {
      jsonOf(r, 'userinfo', log);
      const { claims, warnings } = await checkUserinfo(r.text, String(s.sub));
      for (const w of warnings) log({ event: 'claim_warning', what: 'userinfo', claim: w.claim.slice(0, 64), message: w.message });
      info = claims;
    } catch (e) {
      if (e instanceof HttpError || e.code !== 'invalid_userinfo') throw e;
      log({ event: 'userinfo_sub_mismatch' });
      throw new HttpError(502, 'invalid_userinfo', `NHS login's userinfo answer was refused: ${e.message}`);
    }
    return info;
  }

  async function userinfo(request) {
    const token = bearerToken(request);
    const s = await cookie.open(request.headers.get('cookie'));
    const info = await readUserinfo(token, s);
    // A use of the session: its idle window starts again.
    return jsonResponse(200, info, { 'set-cookie': await cookie.seal(s) });
  }

  // PATCH /userinfo (EIS §3.6.3–3.6.4): `{ client_user_metadata }` relayed to
  // NHS login with the bearer token, answered 204. The token must be the
  // session patient's: userinfo is read first and its `sub` compared with the
  // session's (EIS §3.6.2), so a page cannot change another patient's value.
  async function updateUserinfo(request) {
    const token = bearerToken(request);
    const s = await cookie.open(request.headers.get('cookie'));
    const value = clientUserMetadata(await jsonBody(request));
    await readUserinfo(token, s);
    const r = await upstream(
      endpoints.userinfo,
      { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ client_user_metadata: value }) },
      'userinfo update',
    );
    throwIfBearerError(r, 'userinfo update');
    // EIS §3.6.4: "an HTTP 204 response with no response body".
    if (r.status !== 204) throw passThroughError(r, 'userinfo update', log);
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store', 'set-cookie': await cookie.seal(s) } });
  }

  async function ssoAssertion(request) {
    // An idle or too old session is refused by cookie.open (401 login_required).
    const s = await cookie.open(request.headers.get('cookie'));
    if (typeof s.jti !== 'string') throw new HttpError(400, 'invalid_request', 'the ID token of this session has no jti');
    // The assertion's `code` is the ID token's jti, and NHS login refuses it
    // once that ID token has expired (EIS Table 18: ID tokens live 60
    // minutes): minting one later would only hand the patient a failure.
    if (!(Number.isFinite(s.iat) && Date.now() / 1000 - s.iat <= SSO_MAX_ID_TOKEN_AGE)) {
      throw new HttpError(409, 'sso_unavailable', `single sign-on needs an ID token at most ${SSO_MAX_ID_TOKEN_AGE / 60} minutes old: sign in again first`);
    }
    return jsonResponse(200, { asserted_login_identity: await signer.ssoAssertion(s.jti), expires_in: 60, sub: s.sub }, { 'set-cookie': await cookie.seal(s) });
  }

  // NHS login has no logout (EIS §2.2); this ends the edge session: the
  // refresh token is forgotten with the cookie.
  // GET /session: whose session this is, as validated at sign-in, and its
  // deadlines, so a reloaded page can restore the signed-in state (tokens live
  // in memory only). A read counts as use: the idle window starts again.
  async function session(request) {
    const s = await cookie.open(request.headers.get('cookie'));
    if (!s.claims || typeof s.claims !== 'object') throw new HttpError(401, 'login_required', 'this session has no claims (signed in with an earlier version): sign in again');
    const setCookie = await cookie.seal(s);
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = Math.min(s.exp, s.createdAt + sessionSeconds);
    return jsonResponse(
      200,
      { sub: s.sub, vot: s.claims.vot, claims: s.claims, idleExpiresAt: Math.min(now + idleSeconds, expiresAt), expiresAt },
      { 'set-cookie': setCookie },
    );
  }

  // With a session store the session itself is deleted, so a copy of the
  // cookie stops working too; if the store fails, 503 (the cookie is cleared
  // anyway, and the entry expires after the idle window).
  const signOut = async (request) => {
    try {
      await cookie.end(request.headers.get('cookie'));
    } catch (e) {
      if (e instanceof HttpError) e.headers = { ...e.headers, 'set-cookie': clearCookie };
      throw e;
    }
    return new Response(null, { status: 204, headers: { 'set-cookie': clearCookie, 'cache-control': 'no-store' } });
  };

  return {
    '/token': { POST: token },
    '/sign-out': { POST: signOut },
    '/session': { GET: session },
    '/refresh': { POST: refresh },
    '/userinfo': { GET: userinfo, PATCH: updateUserinfo },
    '/sso-assertion': { POST: ssoAssertion },
    '/jwks': { GET: async () => jsonResponse(200, (await documents.jwks.get()).json) },
    '/.well-known/openid-configuration': {
      GET: async () => {
        const d = await documents.discovery.get();
        documents.assertIssuer();
        return jsonResponse(200, d.json);
      },
    },
  };
}
