// The edge handler's options, checked once at start-up and turned into a
// frozen configuration. Every mistake is an `invalid_option` NhsLoginError
// naming the option; nothing here does I/O.
import { NhsLoginError } from './core.js';
import { decode as fromBase64url } from './base64url.js';
import { ISSUERS, VECTORS } from './generated.js';
import { defaultClientKey } from './edge-ratelimit.js';

/** A configuration mistake, raised by createEdgeHandler at start-up. */
// Every message starts "option `name`": that name is the error's `field`.
const configError = (message) => new NhsLoginError('invalid_option', message, { field: /^option `(\w+)`/.exec(message)?.[1] });

// https, or http on a loopback host (for development).
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

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----([^-]*)-----END PRIVATE KEY-----/;

/**
 * The private key as people paste it into a secret, made a PEM again: a
 * value whose line breaks arrived as the two characters `\n` (a one-line
 * `.dev.vars` entry, `wrangler secret put`, a JSON or YAML string, `\r\n`
 * too) gets real line breaks, and surrounding white space or one pair of
 * quotes is taken off. A PKCS#8 block whose body is not base64 (RFC 7468 §3)
 * is `invalid_option`, and no error ever repeats any part of the value: the
 * message says what is wrong, by position at most (not even the key's
 * BEGIN line is quoted). PKCS#8 as `openssl genpkey` writes it (EIS / NHS
 * login docs "generating-pem"); PEM is standard base64 (RFC 7468), not base64url.
 * @param {unknown} value the `privateKey` option
 * @returns {Uint8Array} the DER
 */
function parsePrivateKey(value) {
  if (typeof value !== 'string') throw configError('option `privateKey` must be a PKCS#8 PEM string');
  let pem = value.trim();
  if (pem.length >= 2 && (pem[0] === '"' || pem[0] === "'") && pem.at(-1) === pem[0]) pem = pem.slice(1, -1).trim();
  if (pem.includes('-----BEGIN') && /\\[rn]/.test(pem)) pem = pem.replace(/\\r\\n|\\n|\\r/g, '\n');
  const fail = (why) => {
    throw configError(`option \`privateKey\` ${why}`);
  };
  const block = PEM_BLOCK.exec(pem);
  if (!block) {
    if (/-----BEGIN RSA PRIVATE KEY-----/.test(pem)) fail('is an RSA key in PKCS#1 form; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pkcs8.pem`');
    fail('must be an RSA private key as a PKCS#8 PEM, as `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` writes it (not encrypted, not an OpenSSH, EC or public key)');
  }
  const body = block[1].replace(/[ \t\r\n]+/g, '');
  const bad = body.search(/[^A-Za-z0-9+/=]/);
  if (!body) fail('is not a usable PKCS#8 PEM: there is nothing between the BEGIN and END lines');
  if (bad >= 0) fail(`is not a usable PKCS#8 PEM: the base64 between the BEGIN and END lines has a character that is not base64 at position ${bad + 1} of ${body.length} (line breaks that arrived as the text \\n are turned back into line breaks; other escapes are not)`);
  // Forgiving base64 (what atob accepts): padding optional, but never a lone 6 bits at the end.
  const data = body.replace(/={1,2}$/, '');
  if (data.includes('=') || data.length % 4 === 1 || (data.length !== body.length && body.length % 4 !== 0)) fail(`is not a usable PKCS#8 PEM: the base64 between the BEGIN and END lines is cut short or padded wrongly (${body.length} characters); paste the whole key again`);
  const bin = atob(body);
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return der;
}

function parseOrigins(origins) {
  if (!Array.isArray(origins) || !origins.length || origins.some((x) => typeof x !== 'string')) throw configError('option `allowedOrigins` must list the origins of your SPA');
  return new Set(
    origins.map((x) => {
      let u;
      try {
        u = new URL(x);
      } catch {}
      if (!u || u.origin === 'null' || u.origin !== x.replace(/\/$/, '')) throw configError(`option \`allowedOrigins\` has "${x}", which is not an origin like https://my-service.nhs.uk`);
      return u.origin;
    }),
  );
}

function parseRedirectUris(redirects) {
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
  return new Set(redirects);
}

function parseCookieSecret(text) {
  if (text == null) return undefined;
  let secret;
  try {
    secret = fromBase64url(text);
  } catch {}
  if (!secret || secret.length !== 32) throw configError('option `cookieSecret` must be 32 random bytes, base64url (e.g. from `openssl rand -base64 32 | tr +/ -_ | tr -d =`)');
  return secret;
}

/**
 * The edge handler's configuration: the options checked, defaults filled in.
 * @typedef {Readonly<{
 *   clientId: string, issuer: string,
 *   endpoints: Readonly<{ token: string, userinfo: string, jwks: string, discovery: string }>,
 *   privateKeyDer: Uint8Array, keyId?: string,
 *   allowedOrigins: Set<string>, redirectUris: Set<string>,
 *   base: string, timeoutMs: number, vtr?: string[], clockSkewSeconds: number,
 *   sessionSeconds: number, idleSeconds: number, requireNonce: boolean, cookieSecret?: Uint8Array,
 *   rateLimit?: false | { requests: number, periodSeconds: number } | { limit(o: { key: string }): Promise<{ success: boolean }> },
 *   clientKey: (request: Request) => string,
 *   sessionStore?: { get(id: string): Promise<any>, put(id: string, value: object, o: { ttlSeconds: number }): Promise<void>, delete(id: string): Promise<void> },
 *   fetch: typeof fetch, log: (event: { event: string, [k: string]: unknown }) => void,
 * }>} EdgeConfig
 * `base` is the route prefix without a trailing "/"; `allowedOrigins` holds
 * origins as URL.origin spells them; `cookieSecret` is 32 bytes when given.
 */

/**
 * Checks the options of createEdgeHandler (see edge.d.ts) in a fixed order and
 * answers the configuration, frozen.
 *
 * @param {Partial<import('../edge.js').EdgeHandlerOptions>} [o] the options
 * @returns {EdgeConfig}
 * @throws {NhsLoginError} `invalid_option`, naming the option
 */
export function parseEdgeOptions(o = {}) {
  if (typeof o.clientId !== 'string' || !o.clientId) throw configError('option `clientId` is required');
  const issuerText = o.issuer ?? (Object.hasOwn(ISSUERS, o.environment ?? '') ? ISSUERS[o.environment] : undefined);
  if (typeof issuerText !== 'string') throw configError('option `environment` (sandpit, integration, production) or `issuer` is required');
  const issuer = parseUrl(issuerText, 'issuer');
  // EIS §3.3 endpoint paths, unless given explicitly.
  const endpoints = Object.freeze({
    token: parseUrl(o.tokenEndpoint ?? `${issuer}/token`, 'tokenEndpoint'),
    userinfo: parseUrl(o.userinfoEndpoint ?? `${issuer}/userinfo`, 'userinfoEndpoint'),
    jwks: parseUrl(o.jwksUri ?? `${issuer}/.well-known/jwks.json`, 'jwksUri'),
    discovery: parseUrl(o.discoveryUrl ?? `${issuer}/.well-known/openid-configuration`, 'discoveryUrl'),
  });
  const privateKeyDer = parsePrivateKey(o.privateKey);
  if (o.keyId != null && typeof o.keyId !== 'string') throw configError('option `keyId` must be a string');
  const allowedOrigins = parseOrigins(o.allowedOrigins);
  const redirectUris = parseRedirectUris(o.redirectUris);
  const basePath = o.basePath ?? '/auth';
  if (typeof basePath !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(basePath)) throw configError('option `basePath` must be a path starting with "/"');
  const timeoutMs = o.timeoutMs ?? 10000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= 120000)) throw configError('option `timeoutMs` must be a number of milliseconds from 1 to 120000');
  // The vectors registered for the client (EIS §5.1; the 12 of EIS Table 21).
  const vtr = o.vtr;
  if (vtr != null && (!Array.isArray(vtr) || !vtr.length || vtr.some((v) => !VECTORS.includes(v)))) {
    throw configError('option `vtr` must be an array of NHS login vectors such as ["P9.Cp.Cd", "P9.Cm"]');
  }
  const clockSkewSeconds = o.clockSkewSeconds ?? 60;
  if (typeof clockSkewSeconds !== 'number' || !(clockSkewSeconds >= 0 && clockSkewSeconds <= 600)) throw configError('option `clockSkewSeconds` must be a number from 0 to 600');
  const sessionSeconds = o.sessionSeconds ?? 12 * 3600; // NHS login session rule: 12 h at most
  if (!Number.isInteger(sessionSeconds) || sessionSeconds < 60 || sessionSeconds > 30 * 86400) throw configError('option `sessionSeconds` must be a whole number of seconds from 60 to 2592000');
  // NHS login session management: sign in again after 30 minutes without activity.
  const idleSeconds = o.idleSeconds ?? Math.min(30 * 60, sessionSeconds);
  if (!Number.isInteger(idleSeconds) || idleSeconds < 60 || idleSeconds > sessionSeconds) throw configError('option `idleSeconds` must be a whole number of seconds from 60 to `sessionSeconds`');
  // /token protection: a Workers Rate Limiting binding, `{ requests, periodSeconds }` for the built-in
  // bucket, or false (off: only when something in front already limits).
  const rateLimit = o.rateLimit;
  if (
    rateLimit !== undefined &&
    rateLimit !== false &&
    typeof rateLimit?.limit !== 'function' &&
    !(Number.isInteger(rateLimit?.requests) && rateLimit.requests >= 1 && Number.isInteger(rateLimit?.periodSeconds) && rateLimit.periodSeconds >= 1 && rateLimit.periodSeconds <= 86400)
  ) {
    throw configError('option `rateLimit` must be a rate limiting binding (`limit({ key })`), `{ requests, periodSeconds }` (whole numbers), or false');
  }
  const store = o.sessionStore;
  if (store != null && !['get', 'put', 'delete'].every((m) => typeof store[m] === 'function')) {
    throw configError('option `sessionStore` must have get(id), put(id, value, { ttlSeconds }) and delete(id), e.g. memorySessionStore() or kvSessionStore(env.SESSIONS)');
  }
  if (o.clientKey != null && typeof o.clientKey !== 'function') throw configError('option `clientKey` must be a function (request) => string');
  return Object.freeze({
    clientId: o.clientId,
    issuer,
    endpoints,
    privateKeyDer,
    keyId: o.keyId,
    allowedOrigins,
    redirectUris,
    base: basePath.replace(/\/$/, ''),
    timeoutMs,
    vtr,
    clockSkewSeconds,
    sessionSeconds,
    idleSeconds,
    requireNonce: o.requireNonce ?? true,
    cookieSecret: parseCookieSecret(o.cookieSecret),
    rateLimit,
    sessionStore: store ?? undefined,
    clientKey: o.clientKey ?? defaultClientKey,
    fetch: o.fetch ?? ((...a) => fetch(...a)),
    log: typeof o.log === 'function' ? o.log : () => {},
  });
}
