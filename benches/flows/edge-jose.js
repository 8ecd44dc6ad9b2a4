// The edge /token exchange written by hand on `jose`: the minimal equivalent
// of nhs-login-client/edge's POST /token, for benches/edge.mjs to compare with.
//
// Same request checks (route, Origin allow-list, POST, application/json, body
// ≤ 16 KiB, code / code_verifier syntax, redirect_uri allow-list, nonce type),
// the same private_key_jwt RS512 client assertion (jose SignJWT, key imported
// once with importPKCS8, non-extractable), the same upstream guards (fixed
// URL, time-out, size cap, JSON object, bearer access token), the ID token
// with jwtVerify + createLocalJWKSet over a cached JWKS (iss, aud, RS512,
// exp with skew; iat, nonce and vot by hand), the refresh token sealed into
// an AES-GCM HttpOnly cookie with WebCrypto, and the same JSON answer with
// no-store and CORS headers. Only Web-standard APIs plus jose.
import { SignJWT, importPKCS8, jwtVerify, createLocalJWKSet, base64url } from 'jose';
import { checkVot } from './nhs.js';

const MAX_BODY = 16 * 1024;
const MAX_UPSTREAM = 256 * 1024;
const COOKIE = '__Host-nhs-login';
const enc = new TextEncoder();

class HttpError extends Error {
  constructor(status, error, description) {
    super(description);
    this.status = status;
    this.error = error;
  }
}
const bad = (description) => new HttpError(400, 'invalid_request', description);

/**
 * @param {{ issuer: string, tokenEndpoint?: string, jwksUri?: string, clientId: string, privateKey: string,
 *   keyId?: string, allowedOrigins: string[], redirectUris: string[], cookieSecret?: string, vtr?: string[],
 *   basePath?: string, timeoutMs?: number, sessionSeconds?: number, clockSkewSeconds?: number, fetch?: typeof fetch }} o
 * @returns {(request: Request) => Promise<Response>}
 */
export function createJoseEdgeHandler(o) {
  const issuer = o.issuer;
  const tokenEndpoint = o.tokenEndpoint ?? `${issuer}/token`;
  const jwksUri = o.jwksUri ?? `${issuer}/.well-known/jwks.json`;
  const allowedOrigins = new Set(o.allowedOrigins.map((x) => new URL(x).origin));
  const redirectUris = new Set(o.redirectUris);
  const route = `${(o.basePath ?? '/auth').replace(/\/$/, '')}/token`;
  const timeoutMs = o.timeoutMs ?? 10000;
  const skew = o.clockSkewSeconds ?? 60;
  const sessionSeconds = o.sessionSeconds ?? 12 * 3600;
  const doFetch = o.fetch ?? ((...a) => fetch(...a));
  const secret = o.cookieSecret ? base64url.decode(o.cookieSecret) : undefined;
  const aad = enc.encode(`nhs-login-client/session/v1/${o.clientId}`);

  let signingKey, cookieKey, jwks;
  const signKey = () => (signingKey ??= importPKCS8(o.privateKey, 'RS512', { extractable: false }));
  const aesKey = () => (cookieKey ??= crypto.subtle.importKey('raw', secret, 'AES-GCM', false, ['encrypt']));

  async function upstream(url, init, what) {
    let res, text;
    try {
      res = await doFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      if (Number(res.headers.get('content-length')) > MAX_UPSTREAM) throw new HttpError(502, 'server_error', `${what} answer too large`);
      text = await res.text();
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(e?.name === 'TimeoutError' ? 504 : 502, 'temporarily_unavailable', `${what} request failed`);
    }
    if (text.length > MAX_UPSTREAM) throw new HttpError(502, 'server_error', `${what} answer too large`);
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new HttpError(502, 'server_error', `${what} answer is not a JSON object`);
    return { status: res.status, json };
  }

  // The provider's JWKS, fetched once and kept for an hour.
  const keys = () => {
    if (jwks && Date.now() < jwks.expires) return jwks.set;
    return (async () => {
      const r = await upstream(jwksUri, { headers: { accept: 'application/json' } }, 'JWKS');
      if (r.status !== 200 || !Array.isArray(r.json.keys)) throw new HttpError(502, 'server_error', 'JWKS unusable');
      jwks = { set: createLocalJWKSet(r.json), expires: Date.now() + 3600_000 };
      return jwks.set;
    })();
  };

  const json = (status, body, headers = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...headers } });
  const field = (body, name, re) => {
    const v = body[name];
    if (typeof v !== 'string' || !v) throw bad(`\`${name}\` is required`);
    if (re && !re.test(v)) throw bad(`\`${name}\` is malformed`);
    return v;
  };

  async function token(request) {
    const type = (request.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'invalid_request', 'send the body as application/json');
    if (Number(request.headers.get('content-length')) > MAX_BODY) throw new HttpError(413, 'invalid_request', 'body too large');
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > MAX_BODY) throw new HttpError(413, 'invalid_request', 'body too large');
    let body;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {}
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('the body is not a JSON object');
    const code = field(body, 'code', /^[\x21-\x7e]{1,2048}$/);
    const codeVerifier = field(body, 'code_verifier', /^[A-Za-z0-9._~-]{43,128}$/);
    const redirectUri = field(body, 'redirect_uri');
    if (!redirectUris.has(redirectUri)) throw bad('`redirect_uri` is not one of the registered redirect URIs');
    const nonce = body.nonce;
    if (nonce != null && typeof nonce !== 'string') throw bad('`nonce` must be a string');

    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS512', typ: 'JWT', ...(o.keyId ? { kid: o.keyId } : {}) })
      .setIssuer(o.clientId)
      .setSubject(o.clientId)
      .setAudience([issuer, tokenEndpoint])
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(await signKey());
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: codeVerifier,
      client_id: o.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const r = await upstream(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form }, 'token');
    const t = r.json;
    if (r.status !== 200 || typeof t.error === 'string') {
      throw new HttpError(r.status >= 400 && r.status < 500 ? r.status : 502, typeof t.error === 'string' ? t.error.slice(0, 128) : 'server_error', 'NHS login refused the token request');
    }
    if (typeof t.access_token !== 'string' || !/^bearer$/i.test(t.token_type ?? '')) throw new HttpError(502, 'server_error', 'no bearer access token');
    if (typeof t.id_token !== 'string') throw new HttpError(502, 'server_error', 'no id_token');

    let claims;
    try {
      ({ payload: claims } = await jwtVerify(t.id_token, await keys(), {
        issuer,
        audience: o.clientId,
        algorithms: ['RS512'],
        clockTolerance: skew,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
      if (claims.iat > Date.now() / 1000 + skew) throw new Error('iat in the future');
      if (nonce != null && claims.nonce !== nonce) throw new Error('invalid_nonce');
      if (o.vtr) checkVot(claims.vot, o.vtr);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(502, 'invalid_id_token', `ID token failed validation: ${e.code ?? e.message}`);
    }

    const headers = {};
    if (secret) {
      const session = { sub: claims.sub, jti: claims.jti, rt: typeof t.refresh_token === 'string' ? t.refresh_token : undefined, exp: Math.floor(Date.now() / 1000) + sessionSeconds };
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, await aesKey(), enc.encode(JSON.stringify(session))));
      const sealed = new Uint8Array(12 + ct.length);
      sealed.set(iv);
      sealed.set(ct, 12);
      headers['set-cookie'] = `${COOKIE}=${base64url.encode(sealed)}; Path=/; Max-Age=${sessionSeconds}; HttpOnly; Secure; SameSite=Strict`;
    }
    const out = {};
    for (const k of ['id_token', 'access_token', 'token_type', 'expires_in', 'scope']) if (t[k] !== undefined) out[k] = t[k];
    return json(200, out, headers);
  }

  return async function handle(request) {
    const origin = request.headers.get('origin');
    let res;
    try {
      if (new URL(request.url).pathname !== route) throw new HttpError(404, 'not_found', 'no such route');
      if (origin !== null && !allowedOrigins.has(origin)) throw new HttpError(403, 'forbidden_origin', 'this origin is not allowed');
      if (request.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST');
      if (origin === null) throw new HttpError(403, 'forbidden_origin', 'POST requests need an Origin header');
      res = await token(request);
    } catch (e) {
      res = e instanceof HttpError ? json(e.status, { error: e.error, error_description: e.message }) : json(500, { error: 'server_error', error_description: 'internal error' });
    }
    if (origin && allowedOrigins.has(origin)) {
      res.headers.set('access-control-allow-origin', origin);
      res.headers.set('access-control-allow-credentials', 'true');
    }
    res.headers.append('vary', 'Origin');
    return res;
  };
}
