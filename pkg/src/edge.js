// nhs-login-client/edge: the server half every SPA using NHS login needs.
//
// NHS login authenticates clients at its token endpoint with private_key_jwt
// only (EIS §3.5, Table 6; RFC 7523), and its token, userinfo and JWKS
// endpoints are meant for back-end calls. This module is a Web-standard
// `(Request) => Promise<Response>` handler (fetch, crypto.subtle, Request,
// Response only) that holds the private key as a non-extractable WebCrypto key,
// exchanges codes for the SPA, keeps the refresh token in an encrypted
// HttpOnly cookie, and serves cached copies of NHS login's JWKS and discovery.
//
// It only ever calls the endpoints fixed in its options: no URL is taken from
// a request. Secrets (the key, assertions, tokens) never appear in an error or
// in a log event.
import { checkIdToken, checkUserinfo, keysetFromText, preload, NhsLoginError } from './core.js';

const ENVIRONMENTS = {
  sandpit: 'https://auth.sandpit.signin.nhs.uk',
  integration: 'https://auth.aos.signin.nhs.uk',
  production: 'https://auth.login.nhs.uk',
};
const MAX_BODY = 16 * 1024; // request bodies
const MAX_UPSTREAM = 256 * 1024; // answers from NHS login
const COOKIE = '__Host-nhs-login'; // __Host-: Secure, Path=/, no Domain (RFC 6265bis 4.1.3.2)
const enc = new TextEncoder();
const dec = new TextDecoder();

const b64u = (bytes) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const unb64u = (s) => {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
};
const b64json = (v) => b64u(enc.encode(JSON.stringify(v)));

/** A configuration mistake, raised by createEdgeHandler at start-up. */
const configError = (message) => new NhsLoginError('invalid_option', message);

/** An HTTP error answer: `{ error, error_description }` with a status. */
class HttpError extends Error {
  constructor(status, error, description, headers) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

const httpsOrLoopback = (u) => u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname));

function parseUrl(value, field) {
  let u;
  try {
    u = new URL(value);
  } catch {
    throw configError(`option \`${field}\` must be an absolute URL`);
  }
  if (!httpsOrLoopback(u) || u.hash || u.username || u.password) {
    throw configError(`option \`${field}\` must be https (http only on loopback), without fragment or credentials`);
  }
  return value; // kept exactly as given: the issuer is compared character for character
}

// PKCS#8 PEM ("BEGIN PRIVATE KEY", as `openssl genpkey` writes it; EIS / NHS login docs "generating-pem").
function pemToDer(pem) {
  if (typeof pem !== 'string') throw configError('option `privateKey` must be a PKCS#8 PEM string');
  const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pem);
  if (!m) {
    throw configError(
      /BEGIN RSA PRIVATE KEY/.test(pem)
        ? 'option `privateKey` is PKCS#1 ("BEGIN RSA PRIVATE KEY"); convert it with `openssl pkcs8 -topk8 -nocrypt`'
        : 'option `privateKey` must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")',
    );
  }
  const bin = atob(m[1].replace(/\s+/g, ''));
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return der;
}

// Reads a body stream up to `limit` bytes; larger bodies fail fast with `onTooLarge`.
async function readLimited(body, limit, onTooLarge) {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw onTooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

// Seconds a response may be cached: Cache-Control max-age / s-maxage, bounded to [60 s, 24 h].
function maxAgeOf(headers, fallback) {
  const cc = headers.get('cache-control') || '';
  const m = /(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*(\d+)/i.exec(cc);
  const s = /no-store|no-cache/i.test(cc) ? 60 : m ? Number(m[1]) : fallback;
  return Math.min(Math.max(s, 60), 86400) * 1000;
}

/**
 * The RFC 6750 §3 challenge of an answer: `Bearer error="invalid_token",
 * error_description="..."`. Returns { header, error, description }, each
 * undefined when absent or malformed; the header is capped at 1 KiB.
 */
export function bearerChallenge(headers) {
  const h = headers.get('www-authenticate') ?? '';
  const param = (name) => new RegExp(`(?:^|[\\s,])${name}="([^"\\\\]{0,512})"`, 'i').exec(h)?.[1];
  const error = param('error');
  return {
    header: /^bearer(?:\s|$)/i.test(h) && h.length <= 1024 ? h : undefined,
    // RFC 6749 A.7: error codes are printable ASCII without quote or backslash.
    error: error && /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(error) ? error : undefined,
    description: param('error_description'),
  };
}

/**
 * Creates the edge handler. Throws `invalid_option` (an NhsLoginError) at once
 * for a configuration mistake: missing clientId, privateKey not PKCS#8, a
 * non-https endpoint, no allowedOrigins or redirectUris, a bad cookie secret.
 *
 * @param {object} o see README "Edge handler" and edge.d.ts
 * @returns {(request: Request) => Promise<Response>}
 */
export function createEdgeHandler(o = {}) {
  if (typeof o.clientId !== 'string' || !o.clientId) throw configError('option `clientId` is required');
  const issuerText = o.issuer ?? ENVIRONMENTS[o.environment];
  if (typeof issuerText !== 'string') throw configError('option `environment` (sandpit, integration, production) or `issuer` is required');
  const issuer = parseUrl(issuerText, 'issuer');
  // EIS §3.3 endpoint paths, unless given explicitly.
  const endpoints = {
    token: parseUrl(o.tokenEndpoint ?? `${issuer}/token`, 'tokenEndpoint'),
    userinfo: parseUrl(o.userinfoEndpoint ?? `${issuer}/userinfo`, 'userinfoEndpoint'),
    jwks: parseUrl(o.jwksUri ?? `${issuer}/.well-known/jwks.json`, 'jwksUri'),
    discovery: parseUrl(o.discoveryUrl ?? `${issuer}/.well-known/openid-configuration`, 'discoveryUrl'),
  };
  const der = pemToDer(o.privateKey);
  if (o.keyId != null && typeof o.keyId !== 'string') throw configError('option `keyId` must be a string');
  const origins = o.allowedOrigins;
  if (!Array.isArray(origins) || !origins.length || origins.some((x) => typeof x !== 'string')) throw configError('option `allowedOrigins` must list the origins of your SPA');
  const allowedOrigins = new Set(
    origins.map((x) => {
      let u;
      try {
        u = new URL(x);
      } catch {}
      if (!u || u.origin === 'null' || u.origin !== x.replace(/\/$/, '')) throw configError(`option \`allowedOrigins\` has "${x}", which is not an origin like https://my-service.nhs.uk`);
      return u.origin;
    }),
  );
  const redirects = o.redirectUris;
  if (!Array.isArray(redirects) || !redirects.length || redirects.some((x) => typeof x !== 'string')) throw configError('option `redirectUris` must list the registered redirect URIs');
  for (const r of redirects) {
    let u;
    try {
      u = new URL(r);
    } catch {}
    // EIS §7.3: https (loopback http for development), exact, no query string, no fragment.
    if (!u || !httpsOrLoopback(u) || u.search || r.includes('?') || r.includes('#')) {
      throw configError(`option \`redirectUris\` has "${r.slice(0, 200)}": a redirect URI must be https (http only on loopback) without a query string or fragment (EIS 7.3)`);
    }
  }
  const redirectUris = new Set(redirects);
  const basePath = o.basePath ?? '/auth';
  if (typeof basePath !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(basePath)) throw configError('option `basePath` must be a path starting with "/"');
  const base = basePath.replace(/\/$/, '');
  const timeoutMs = o.timeoutMs ?? 10000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= 120000)) throw configError('option `timeoutMs` must be a number of milliseconds from 1 to 120000');
  // The vectors registered for the client (EIS §5.1; the 12 of EIS Table 21).
  const vtr = o.vtr;
  if (vtr != null && (!Array.isArray(vtr) || !vtr.length || vtr.some((v) => typeof v !== 'string' || !/^P[059]\.(Cp(\.Cd|\.Ck)?|Cm)$/.test(v)))) {
    throw configError('option `vtr` must be an array of NHS login vectors such as ["P9.Cp.Cd", "P9.Cm"]');
  }
  const clockSkewSeconds = o.clockSkewSeconds ?? 60;
  if (typeof clockSkewSeconds !== 'number' || !(clockSkewSeconds >= 0 && clockSkewSeconds <= 600)) throw configError('option `clockSkewSeconds` must be a number from 0 to 600');
  const sessionSeconds = o.sessionSeconds ?? 12 * 3600; // NHS login session rule: 12 h at most
  if (!Number.isInteger(sessionSeconds) || sessionSeconds < 60 || sessionSeconds > 30 * 86400) throw configError('option `sessionSeconds` must be a whole number of seconds from 60 to 2592000');
  const requireNonce = o.requireNonce ?? true;
  let secret;
  if (o.cookieSecret != null) {
    try {
      secret = unb64u(o.cookieSecret);
    } catch {}
    if (!secret || secret.length !== 32) throw configError('option `cookieSecret` must be 32 random bytes, base64url (e.g. from `openssl rand -base64 32 | tr +/ -_ | tr -d =`)');
  }
  const doFetch = o.fetch ?? ((...a) => fetch(...a));
  const log = typeof o.log === 'function' ? o.log : () => {};

  // Keys are imported once, non-extractable.
  let signingKey;
  const signKey = () =>
    (signingKey ??= crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, false, ['sign']).catch(() => {
      signingKey = undefined;
      throw new HttpError(500, 'server_error', 'the configured private key could not be imported (it must be an RSA PKCS#8 key)');
    }));
  let cookieKey;
  const aesKey = () => (cookieKey ??= crypto.subtle.importKey('raw', secret, 'AES-GCM', false, ['encrypt', 'decrypt']));
  const aad = enc.encode(`nhs-login-client/session/v1/${o.clientId}`);

  // ---- upstream calls: fixed URLs, time-out, size cap, JSON only -----------
  async function upstream(url, init, what) {
    let res;
    try {
      res = await doFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const timedOut = e && (e.name === 'TimeoutError' || e.name === 'AbortError');
      log({ event: 'upstream_failed', what, reason: timedOut ? 'timeout' : 'unreachable' });
      throw timedOut
        ? new HttpError(504, 'temporarily_unavailable', `NHS login did not answer the ${what} request within ${timeoutMs} ms`)
        : new HttpError(502, 'temporarily_unavailable', `NHS login could not be reached for the ${what} request`);
    }
    let bytes;
    try {
      bytes = await readLimited(res.body, MAX_UPSTREAM, () => new HttpError(502, 'server_error', `NHS login's ${what} answer is too large`));
    } catch (e) {
      if (e instanceof HttpError) {
        log({ event: 'upstream_too_large', what, status: res.status });
        throw e;
      }
      const timedOut = e && (e.name === 'TimeoutError' || e.name === 'AbortError');
      log({ event: 'upstream_failed', what, reason: timedOut ? 'timeout' : 'truncated' });
      throw new HttpError(timedOut ? 504 : 502, 'temporarily_unavailable', `NHS login's ${what} answer was cut off`);
    }
    // Judged by status first: an error answer need not have a JSON body
    // (NHS login's userinfo 401 has none, EIS §3.6.2.2). `json` is undefined
    // when the body is not a JSON object; each caller decides what that means.
    const text = dec.decode(bytes);
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    if (json === null || typeof json !== 'object' || Array.isArray(json)) json = undefined;
    return { status: res.status, headers: res.headers, json, text };
  }

  // A success answer must be a JSON object.
  function jsonOf(r, what) {
    if (r.json) return r.json;
    log({ event: 'upstream_not_json', what, status: r.status });
    throw new HttpError(502, 'server_error', `NHS login's ${what} answer is not a JSON object (HTTP ${r.status})`);
  }

  // RFC 6749 5.2 error bodies are passed through (error and description only);
  // without a JSON body, RFC 6750 §3's WWW-Authenticate `error` is used.
  function passThroughError(r, what) {
    const { status } = r;
    const challenge = bearerChallenge(r.headers);
    const error = typeof r.json?.error === 'string' ? r.json.error.slice(0, 128) : (challenge.error ?? 'server_error');
    const description =
      typeof r.json?.error_description === 'string'
        ? r.json.error_description.slice(0, 512)
        : (challenge.description ?? `NHS login answered the ${what} request with HTTP ${status}${r.json ? '' : ' and no JSON error'}`);
    log({ event: 'upstream_error', what, status, error });
    return new HttpError(status >= 400 && status < 500 ? status : 502, error, description);
  }

  // ---- private_key_jwt client assertion (RFC 7523 §3, EIS Table 6) --------
  async function clientAssertion() {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS512', typ: 'JWT', ...(o.keyId ? { kid: o.keyId } : {}) };
    // aud: NHS login requires the token endpoint; the issuer is added as
    // RFC 7523 and newer OAuth profiles ask (Auth.js, vaccinations-app do the same).
    const payload = { iss: o.clientId, sub: o.clientId, aud: [issuer, endpoints.token], jti: crypto.randomUUID(), iat: now, exp: now + 60 };
    return signJwt(header, payload);
  }

  async function signJwt(header, payload) {
    const input = `${b64json(header)}.${b64json(payload)}`;
    const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await signKey(), enc.encode(input));
    return `${input}.${b64u(new Uint8Array(sig))}`;
  }

  async function tokenRequest(params, what) {
    const body = new URLSearchParams({
      ...params,
      client_id: o.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(),
    });
    const r = await upstream(endpoints.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, what);
    if (r.status !== 200 || typeof r.json?.error === 'string') throw passThroughError(r, what);
    const t = jsonOf(r, what);
    if (typeof t.access_token !== 'string' || !/^bearer$/i.test(t.token_type ?? '')) {
      log({ event: 'upstream_bad_token_answer', what });
      throw new HttpError(502, 'server_error', `NHS login's ${what} answer has no bearer access token`);
    }
    return t;
  }

  // ---- cached JWKS and discovery ------------------------------------------
  function cached(url, what, parse) {
    let value, expires = 0, lastForced = -Infinity, pending;
    const load = () =>
      (pending ??= (async () => {
        try {
          const r = await upstream(url, { headers: { accept: 'application/json' } }, what);
          if (r.status !== 200) {
            log({ event: 'upstream_error', what, status: r.status });
            throw new HttpError(502, 'server_error', `NHS login's ${what} answered HTTP ${r.status}`);
          }
          const json = jsonOf(r, what);
          const parsed = await parse(json);
          value = { json, parsed };
          expires = Date.now() + maxAgeOf(r.headers, 3600);
          return value;
        } finally {
          pending = undefined;
        }
      })());
    return {
      get: () => (value && Date.now() < expires ? value : load()),
      // After an unknown kid (key rotation): refetch, at most once a minute.
      refresh: () => {
        // Within the minute, share the refetch in flight (or its result) with
        // the other requests that saw the new kid.
        if (Date.now() - lastForced < 60_000) return pending ?? value;
        lastForced = Date.now();
        return load();
      },
    };
  }
  const jwks = cached(endpoints.jwks, 'JWKS', async (json) => {
    try {
      return await keysetFromText(JSON.stringify(json));
    } catch (e) {
      throw new HttpError(502, 'server_error', `NHS login's JWKS is unusable: ${e.message}`);
    }
  });
  // The configured issuer must be the one NHS login's discovery names (OIDC
  // Discovery 4.3). A mismatch is a deployment mistake, not a failed sign-in:
  // every route then answers 500 invalid_configuration naming both values,
  // logged once. The ID token's iss stays compared exactly (OIDC Core 3.1.3.7 (2)).
  let issuerMismatch, issuerChecked = false;
  const discovery = cached(endpoints.discovery, 'discovery', (json) => {
    // A document without an issuer is unusable (OIDC Discovery 3: REQUIRED), not a mismatch.
    if (typeof json.issuer !== 'string') {
      log({ event: 'upstream_bad_discovery' });
      throw new HttpError(502, 'server_error', "NHS login's discovery document has no issuer");
    }
    const named = json.issuer.slice(0, 200);
    if (json.issuer !== issuer) {
      if (!issuerMismatch) log({ event: 'invalid_configuration', configured: issuer, discovered: named });
      issuerMismatch = named;
    } else {
      issuerMismatch = undefined;
    }
    issuerChecked = true;
    return json;
  });
  const misconfigured = () =>
    new HttpError(
      500,
      'invalid_configuration',
      `the edge handler is configured for issuer "${issuer}" but NHS login's discovery names "${issuerMismatch}": set \`environment\` or \`issuer\` to the discovery issuer`,
    );
  // Before the first code exchange: read discovery once. If it cannot be read,
  // the exchange goes ahead (the ID token's iss is checked anyway) and the
  // check is tried again a minute later.
  let issuerCheckFailedAt = -Infinity;
  async function checkIssuer() {
    if (!issuerChecked && Date.now() - issuerCheckFailedAt >= 60_000) {
      try {
        await discovery.get();
      } catch {
        issuerCheckFailedAt = Date.now();
        log({ event: 'issuer_check_skipped' });
      }
    }
    if (issuerMismatch) throw misconfigured();
  }
  const remoteJwks = {
    keyset: async () => (await jwks.get()).parsed,
    rotated: async () => (await jwks.refresh())?.parsed,
  };

  // ---- the encrypted session cookie (refresh token, sub, ID token jti) -----
  async function sealCookie(session) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, await aesKey(), enc.encode(JSON.stringify(session))));
    const out = new Uint8Array(12 + ct.length);
    out.set(iv);
    out.set(ct, 12);
    return `${COOKIE}=${b64u(out)}; Path=/; Max-Age=${sessionSeconds}; HttpOnly; Secure; SameSite=Strict`;
  }
  const clearCookie = `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
  async function openCookie(request) {
    if (!secret) throw new HttpError(501, 'unsupported', 'this route needs the `cookieSecret` option');
    const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]+)`).exec(request.headers.get('cookie') || '');
    const none = () => new HttpError(401, 'login_required', 'no NHS login session: sign in again');
    if (!m || m[1].length > 8192) throw none();
    try {
      const raw = unb64u(m[1]);
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: raw.subarray(0, 12), additionalData: aad }, await aesKey(), raw.subarray(12));
      const s = JSON.parse(dec.decode(plain));
      if (!(s.exp > Date.now() / 1000)) throw new Error('expired');
      return s;
    } catch {
      throw none();
    }
  }

  // ---- request parsing -----------------------------------------------------
  async function jsonBody(request) {
    const type = (request.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'invalid_request', 'send the body as application/json');
    const declared = Number(request.headers.get('content-length'));
    if (declared > MAX_BODY) throw new HttpError(413, 'invalid_request', `the body is larger than ${MAX_BODY} bytes`);
    const bytes = await readLimited(request.body, MAX_BODY, () => new HttpError(413, 'invalid_request', `the body is larger than ${MAX_BODY} bytes`));
    let v;
    try {
      v = JSON.parse(dec.decode(bytes));
    } catch {}
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'invalid_request', 'the body is not a JSON object');
    return v;
  }
  const field = (body, name, re) => {
    const v = body[name];
    if (typeof v !== 'string' || !v) throw new HttpError(400, 'invalid_request', `\`${name}\` is required`);
    if (re && !re.test(v)) throw new HttpError(400, 'invalid_request', `\`${name}\` is malformed`);
    return v;
  };

  // ---- routes --------------------------------------------------------------
  async function token(request) {
    const body = await jsonBody(request);
    const code = field(body, 'code', /^[\x21-\x7e]{1,2048}$/);
    // RFC 7636 4.1: 43–128 unreserved characters.
    const codeVerifier = field(body, 'code_verifier', /^[A-Za-z0-9._~-]{43,128}$/);
    const redirectUri = field(body, 'redirect_uri');
    if (!redirectUris.has(redirectUri)) throw new HttpError(400, 'invalid_request', '`redirect_uri` is not one of the registered redirect URIs');
    // The nonce the SPA sent: checked here too (OIDC Core 3.1.3.7 (11)). Only
    // with `requireNonce: false` may a SPA that checks it itself leave it out.
    const nonce = requireNonce || body.nonce != null ? field(body, 'nonce') : undefined;

    await checkIssuer();
    const t = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }, 'token');
    if (typeof t.id_token !== 'string') {
      log({ event: 'upstream_bad_token_answer', what: 'token' });
      throw new HttpError(502, 'server_error', "NHS login's token answer has no id_token");
    }
    let claims;
    try {
      let warnings;
      ({ claims, warnings } = await checkIdToken(t.id_token, { issuer, clientId: o.clientId, jwks: remoteJwks, vtr, clockSkewSeconds, nonce, insecureSkipNonceCheck: nonce === undefined }));
      // A profile claim of an unexpected type was left out: the operator hears of it.
      for (const w of warnings) log({ event: 'claim_warning', claim: w.claim.slice(0, 64), message: w.message });
    } catch (e) {
      if (e instanceof HttpError) throw e;
      log({ event: 'id_token_rejected', code: e.code, ...(e.claim ? { claim: e.claim } : {}) });
      // The code and the claim at fault, so the operator need not guess (messages never carry values).
      throw new HttpError(502, 'invalid_id_token', `NHS login's ID token failed validation: ${e.code}${e.claim ? ` (claim \`${e.claim}\`)` : ''}: ${e.message}`);
    }
    const headers = {};
    if (secret) {
      headers['set-cookie'] = await sealCookie({
        sub: claims.sub,
        jti: claims.jti,
        rt: typeof t.refresh_token === 'string' ? t.refresh_token : undefined,
        exp: Math.floor(Date.now() / 1000) + sessionSeconds,
      });
    }
    return json(200, pick(t, ['id_token', 'access_token', 'token_type', 'expires_in', 'scope']), headers);
  }

  async function refresh(request) {
    const s = await openCookie(request);
    if (!s.rt) throw new HttpError(400, 'invalid_grant', 'this session has no refresh token');
    let t;
    try {
      t = await tokenRequest({ grant_type: 'refresh_token', refresh_token: s.rt }, 'refresh');
    } catch (e) {
      // A stale refresh token ends the session.
      if (e instanceof HttpError && e.error === 'invalid_grant') e.headers = { 'set-cookie': clearCookie };
      throw e;
    }
    // Keep the newest refresh token (EIS: "the latest valid refresh token").
    const cookie = await sealCookie({ ...s, rt: typeof t.refresh_token === 'string' ? t.refresh_token : s.rt });
    return json(200, pick(t, ['access_token', 'token_type', 'expires_in', 'scope']), { 'set-cookie': cookie });
  }

  async function userinfo(request) {
    const auth = request.headers.get('authorization') || '';
    const m = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(auth);
    if (!m) throw new HttpError(401, 'invalid_token', 'send the access token as `Authorization: Bearer ...`', { 'www-authenticate': 'Bearer' });
    const s = await openCookie(request);
    const r = await upstream(endpoints.userinfo, { headers: { authorization: `Bearer ${m[1]}`, accept: 'application/json' } }, 'userinfo');
    // EIS §3.6.2.2, RFC 6750 §3.1: an expired or invalid access token is a 401
    // with the error in WWW-Authenticate and no body. The SPA refreshes and
    // retries: it is passed through as such, never as a 502.
    if (r.status === 401) {
      const c = bearerChallenge(r.headers);
      log({ event: 'upstream_error', what: 'userinfo', status: 401, error: c.error ?? 'invalid_token' });
      throw new HttpError(401, c.error ?? 'invalid_token', c.description ?? 'the access token is expired or invalid: refresh it and try again', {
        'www-authenticate': c.header ?? 'Bearer error="invalid_token"',
      });
    }
    if (r.status !== 200) throw passThroughError(r, 'userinfo');
    // EIS §3.6.2 / OIDC Core 5.3.2: the userinfo sub MUST equal the ID token's
    // (checked in the core, which also normalises the profile claims).
    let info;
    try {
      jsonOf(r, 'userinfo');
      const { claims, warnings } = await checkUserinfo(r.text, String(s.sub));
      for (const w of warnings) log({ event: 'claim_warning', what: 'userinfo', claim: w.claim.slice(0, 64), message: w.message });
      info = claims;
    } catch (e) {
      if (e instanceof HttpError || e.code !== 'invalid_userinfo') throw e;
      log({ event: 'userinfo_sub_mismatch' });
      throw new HttpError(502, 'invalid_userinfo', `NHS login's userinfo answer was refused: ${e.message}`);
    }
    return json(200, info);
  }

  async function ssoAssertion(request) {
    const s = await openCookie(request);
    if (typeof s.jti !== 'string') throw new HttpError(400, 'invalid_request', 'the ID token of this session has no jti');
    const now = Math.floor(Date.now() / 1000);
    // NHS login single sign-on (EIS Table 1 asserted_login_identity; docs single-sign-on):
    // one-time JWT, iss = client id, code = the ID token's jti, lifetime at most 60 s.
    const jwt = await signJwt({ alg: 'RS512', typ: 'JWT', ...(o.keyId ? { kid: o.keyId } : {}) }, { iss: o.clientId, jti: crypto.randomUUID(), code: s.jti, iat: now, exp: now + 60 });
    return json(200, { asserted_login_identity: jwt, expires_in: 60 });
  }

  // NHS login has no logout (EIS §2.2); this ends the edge session: the
  // refresh token is forgotten with the cookie.
  const signOut = async () => new Response(null, { status: 204, headers: { 'set-cookie': clearCookie, 'cache-control': 'no-store' } });

  const routes = {
    '/token': { POST: token },
    '/sign-out': { POST: signOut },
    '/refresh': { POST: refresh },
    '/userinfo': { GET: userinfo },
    '/sso-assertion': { POST: ssoAssertion },
    '/jwks': { GET: async () => json(200, (await jwks.get()).json) },
    '/.well-known/openid-configuration': {
      GET: async () => {
        const d = await discovery.get();
        if (issuerMismatch) throw misconfigured();
        return json(200, d.json);
      },
    },
  };

  function json(status, body, headers = {}) {
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
    });
  }
  const pick = (obj, keys) => Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));

  function cors(response, origin) {
    if (origin && allowedOrigins.has(origin)) {
      response.headers.set('access-control-allow-origin', origin);
      response.headers.set('access-control-allow-credentials', 'true');
    }
    response.headers.append('vary', 'Origin');
    return response;
  }

  let warm;
  return async function handle(request) {
    const url = new URL(request.url);
    const origin = request.headers.get('origin');
    // The first request starts loading the wasm, so it overlaps with the call to NHS login.
    warm ??= preload();
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) {
      return cors(json(404, { error: 'not_found', error_description: 'no such route' }), origin);
    }
    const path = url.pathname.slice(base.length);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    try {
      if (!route) throw new HttpError(404, 'not_found', 'no such route');
      if (issuerMismatch) throw misconfigured();
      // Cross-origin calls only from the allowed origins; state-changing routes
      // need an Origin at all (CSRF defence for the cookie routes).
      if (origin !== null && !allowedOrigins.has(origin)) throw new HttpError(403, 'forbidden_origin', 'this origin is not allowed');
      if (request.method === 'OPTIONS') {
        if (origin === null) throw new HttpError(403, 'forbidden_origin', 'a preflight needs an Origin');
        return cors(
          new Response(null, {
            status: 204,
            headers: {
              'access-control-allow-methods': Object.keys(route).join(', '),
              'access-control-allow-headers': 'content-type, authorization',
              'access-control-max-age': '600',
              'cache-control': 'no-store',
            },
          }),
          origin,
        );
      }
      const handler = Object.hasOwn(route, request.method) ? route[request.method] : undefined;
      if (!handler) throw new HttpError(405, 'method_not_allowed', `use ${Object.keys(route).join(' or ')}`, { allow: Object.keys(route).join(', ') });
      if (request.method === 'POST' && origin === null) throw new HttpError(403, 'forbidden_origin', 'POST requests need an Origin header');
      return cors(await handler(request), origin);
    } catch (e) {
      if (e instanceof HttpError) {
        return cors(json(e.status, { error: e.error, error_description: e.message }, e.headers), origin);
      }
      log({ event: 'internal_error', name: e && e.name });
      return cors(json(500, { error: 'server_error', error_description: 'internal error' }), origin);
    }
  };
}
