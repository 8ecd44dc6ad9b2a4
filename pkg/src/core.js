// nhs-login-client core: a thin wrapper over the wasm core (Rust, in ../wasm).
// It loads the module on first use, turns results into objects and errors into
// NhsLoginError, and does the one thing the wasm does not: the RS512 signature
// check, with WebCrypto (crypto.subtle.verify). The entry points (index.js for
// browsers and bundlers, node.js for Node) differ only in how the .wasm is loaded.
import init, * as w from '../wasm/nhs_login.js';
import { MESSAGE_WASM_UNAVAILABLE, SETTINGS_URLS } from './generated.js';
import { decode as fromBase64url } from './base64url.js';
import { cachedDocument } from './cached-document.js';

/** An error with a stable machine-readable `code` (see ERROR_CODES). */
export class NhsLoginError extends Error {
  constructor(code, message, extra) {
    super(message, extra && extra.cause ? { cause: extra.cause } : undefined);
    this.name = 'NhsLoginError';
    this.code = code;
    if (extra) for (const k in extra) if (k !== 'cause') this[k] = extra[k];
  }
}

// Browsers and bundlers: fetch the .wasm next to the glue. `new URL(..., import.meta.url)`
// is the asset pattern Vite, webpack 5 and Parcel recognise.
// async, so that even a synchronous failure (no import.meta.url in a classic-script bundle) becomes wasm_unavailable.
let load = async () => init({ module_or_path: new URL('../wasm/nhs_login_bg.wasm', import.meta.url) });
let ready;
// A failed load (network, CSP) is not cached: the next call tries again.
const wasm = () =>
  (ready ??= load().catch((cause) => {
    ready = undefined;
    throw new NhsLoginError('wasm_unavailable', MESSAGE_WASM_UNAVAILABLE, { cause });
  }));

/** @internal Starts loading the wasm early (the edge handler's first request); never rejects. */
export const preload = () => wasm().catch(() => {});

/** @internal Replaces how the wasm bytes are obtained (Node reads the file; edge runtimes import the module). */
export const setWasmSource = (source) => {
  load = async () => init({ module_or_path: await source() });
};

const fail = (code, message, extra) => {
  throw new NhsLoginError(code, message, extra);
};

// The wasm layer takes one JSON options object and answers {"ok": value} or
// {"error": {code, message, field?, claim?, error?, error_description?}}
// (src/wasm.rs). Every option's type rule lives there, in Rust.
const json = (options) => {
  try {
    return JSON.stringify(options);
  } catch (cause) {
    fail('invalid_option', 'the options must be JSON values (strings, numbers, booleans, arrays)', { cause });
  }
};
const raise = ({ code, message, field, claim, error, error_description }) =>
  fail(code, message, { field, claim, error, errorDescription: error_description });
// A member named __proto__ (an own property after JSON.parse, and a
// prototype-pollution sink for code that copies claims) is dropped at any depth.
// A reviver costs JSON.parse 3×, so it runs only when the answer could hold
// such a member: spelt out, or written with \u escapes (the only way to spell
// it otherwise in JSON).
const noProto = (key, value) => (key === '__proto__' ? undefined : value);
const call = (answer) => {
  const r = answer.includes('__proto__') || answer.includes('\\u') ? JSON.parse(answer, noProto) : JSON.parse(answer);
  return 'ok' in r ? r.ok : raise(r.error);
};
const pick = (o, names) => Object.fromEntries(names.map((n) => [n, o[n]]));

/**
 * Builds an NHS login authorization request with fresh PKCE (S256), state and nonce.
 * Resolves to { url, state, nonce, codeVerifier }. Rejects with invalid_option.
 */
export async function createAuthorizationRequest(o = {}) {
  await wasm();
  return call(
    w.authorize(
      json(pick(o, ['environment', 'authorizationEndpoint', 'clientId', 'redirectUri', 'scope', 'vtr', 'prompt', 'assertedLoginIdentity', 'allowRegistration', 'display'])),
    ),
  );
}

/**
 * Checks the redirect back from NHS login. Resolves to { code }; rejects with
 * state_mismatch, provider_error (with .error, .errorDescription), invalid_issuer,
 * missing_code or malformed_callback.
 */
export async function parseCallback(url, o = {}) {
  await wasm();
  return call(w.callback(json({ url: url instanceof URL ? url.href : url, ...pick(o, ['state', 'issuer', 'environment']) })));
}

// ---- ID token validation -------------------------------------------------

const keysets = new WeakMap(); // JWKS object -> parsed keyset
const textKeysets = new Map(); // JWKS text -> parsed keyset (bounded)

class Keyset {
  constructor(json) {
    this.ks = new w.Keyset(json);
    const error = this.ks.error();
    if (error) raise(JSON.parse(error).error);
    this.keys = [];
  }
  // The WebCrypto key for index i, imported once (non-extractable, verify only).
  key(i) {
    return (this.keys[i] ??= crypto.subtle.importKey('jwk', JSON.parse(this.ks.key(i)), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, false, ['verify']));
  }
}

const keysetFor = (jwks) => {
  if (typeof jwks === 'string') {
    let k = textKeysets.get(jwks);
    if (!k) {
      if (textKeysets.size > 8) textKeysets.clear();
      textKeysets.set(jwks, (k = new Keyset(jwks)));
    }
    return k;
  }
  if (jwks === null || typeof jwks !== 'object') fail('invalid_option', 'option `jwks` must be a JWKS object, its JSON text, or createRemoteJwks(url)', { field: 'jwks' });
  let k = keysets.get(jwks);
  if (!k) keysets.set(jwks, (k = new Keyset(JSON.stringify(jwks))));
  return k;
};

const utf8 = new TextEncoder();

/** @internal A parsed keyset from JWKS text (edge handler caches). Throws invalid_jwks. */
export const keysetFromText = async (text) => {
  await wasm();
  return new Keyset(text);
};

/**
 * Fetches a JWKS from `url` (NHS login's, or your edge handler's cached copy),
 * caches it, and refetches when a token names an unknown `kid` (key rotation),
 * at most once per `cooldownSeconds` (default 60). Pass it as `jwks`.
 */
export function createRemoteJwks(url, o = {}) {
  // A path such as '/auth/jwks' is resolved against the page, as fetch() does.
  let u;
  try {
    if (typeof url !== 'string' && !(url instanceof URL)) fail('invalid_option', 'option `url` must be a string or a URL', { field: 'url' });
    u = new URL(url, globalThis.location?.href);
  } catch (cause) {
    if (cause instanceof NhsLoginError) throw cause;
    fail('invalid_option', `createRemoteJwks needs an absolute URL here (no page to resolve "${String(url).slice(0, 100)}" against)`, { cause, field: 'url' });
  }
  const doFetch = o.fetch ?? globalThis.fetch;
  const cooldownMs = (o.cooldownSeconds ?? 60) * 1000;
  const maxAgeMs = (o.maxAgeSeconds ?? 600) * 1000;
  const cache = cachedDocument(
    async () => {
      try {
        const r = await doFetch(u.href, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(o.timeoutMs ?? 5000) });
        if (!r.ok) fail('invalid_jwks', `fetching the JWKS failed with HTTP ${r.status}`);
        return { value: new Keyset(await r.text()), maxAgeMs };
      } catch (e) {
        if (e instanceof NhsLoginError) throw e;
        fail('invalid_jwks', 'the JWKS could not be fetched', { cause: e });
      }
    },
    { cooldownMs },
  );
  return {
    url: u.href,
    // Internal: the keyset, fetched when absent or older than maxAgeSeconds.
    keyset: async () => cache.get(),
    // Internal: refetch after an unknown kid, at most once per cooldownSeconds.
    rotated: async () => cache.refresh(),
  };
}

/**
 * Validates an NHS login ID token (OIDC Core 3.1.3.7, EIS 4.2): RS512 only,
 * key by kid, iss, aud, exp/iat with skew, nonce, vot against vtr. Resolves to
 * the claims object (unknown claims kept). A profile claim of an unexpected
 * type is left out and reported to `options.onWarning({ claim, message })`;
 * "true"/"false" strings in boolean claims are normalised to booleans.
 */
export async function validateIdToken(idToken, o = {}) {
  const onWarning = o.onWarning ?? (() => {});
  if (typeof onWarning !== 'function') fail('invalid_option', 'option `onWarning` must be a function', { field: 'onWarning' });
  // No escape hatch here: the nonce is a value, or absent (the token must carry none);
  // an `insecureSkipNonceCheck` in `o` is not read.
  const { claims, warnings } = await checkIdToken(idToken, o);
  for (const w of warnings) onWarning(w);
  return claims;
}

/**
 * @internal validateIdToken's work: resolves to { claims, warnings }. The
 * edge handler alone passes `insecureSkipNonceCheck` (its `requireNonce:
 * false`), as an argument the public validateIdToken never gives.
 */
export async function checkIdToken(idToken, o = {}, insecureSkipNonceCheck = false) {
  await wasm();
  if (typeof idToken !== 'string' || idToken.length > 65536) fail('malformed_token', 'the ID token must be a string of at most 64 KiB');
  const options = json({
    issuer: o.issuer,
    environment: o.environment,
    clientId: o.clientId,
    nonce: o.nonce,
    vtr: o.vtr,
    clockSkewSeconds: o.clockSkewSeconds,
    insecureSkipNonceCheck: insecureSkipNonceCheck === true || undefined,
    now: o.now ?? Date.now() / 1000,
  });
  const remote = o.jwks && typeof o.jwks.keyset === 'function' ? o.jwks : undefined;
  let keyset = remote ? await remote.keyset() : keysetFor(o.jwks);
  // The token's bytes, encoded once: into the module (one copy each time,
  // where a string would be copied character by character) and, up to the
  // last dot, the signing input WebCrypto verifies.
  const bytes = utf8.encode(idToken);
  let index;
  try {
    index = call(w.select_key(bytes, keyset.ks));
  } catch (e) {
    // Unknown kid: the provider may have rotated its keys. Refetch (rate-limited) once.
    const fresh = remote && e.code === 'key_not_found' && (await remote.rotated());
    if (!fresh) throw e;
    keyset = fresh;
    index = call(w.select_key(bytes, keyset.ks));
  }
  // select_key refused anything but three base64url parts: the token is
  // ASCII, one byte per character.
  const dot = idToken.lastIndexOf('.');
  // OIDC Core 3.1.3.7 (6): the signature, with the key the JWS header names.
  // The claim checks run while WebCrypto verifies (off the main thread in
  // Node and Deno; Chromium verifies in the call), and their answer is opened
  // only once the signature has verified.
  const verified = crypto.subtle.verify('RSASSA-PKCS1-v1_5', await keyset.key(index), fromBase64url(idToken.slice(dot + 1)), bytes.subarray(0, dot));
  let answer;
  try {
    answer = w.assume_signature_checked_by_host(bytes, options);
  } finally {
    if (!(await verified)) fail('invalid_signature', "the ID token's RS512 signature does not verify");
  }
  return withEdits(call(answer));
}

/** @internal The edge's userinfo check (EIS §3.6.2): sub, then profile claims normalised. Throws invalid_userinfo. */
export const checkUserinfo = async (text, sub) => {
  await wasm();
  return withEdits(call(w.userinfo(text, sub)));
};

// The core answers the claims with the edits its profile rule decided:
// claims to leave out (the warnings) and strings to set as booleans.
const withEdits = ({ claims, warnings, set }) => {
  for (const { claim } of warnings) delete claims[claim];
  for (const [name, value] of set) Object.defineProperty(claims, name, { value, enumerable: true, writable: true, configurable: true });
  return { claims, warnings };
};

export { ERROR_CODES, ERROR_MESSAGES, ISSUERS, SETTINGS_URLS, VECTORS, SCOPES } from './generated.js';

/**
 * The "Manage your NHS login" settings page of an environment (NHS login docs:
 * linking to settings; a mandatory onboarding scenario).
 */
export function settingsUrl({ environment } = {}) {
  if (!Object.hasOwn(SETTINGS_URLS, environment ?? '')) fail('invalid_option', 'option `environment` must be `sandpit`, `integration` or `production`', { field: 'environment' });
  return SETTINGS_URLS[environment];
}

/**
 * Whether the user agent is the NHS App's web view (NHS App web integration:
 * it ends `nhsapp-android/<version>` or `nhsapp-ios/<version>`).
 */
export const isNhsApp = (userAgent = globalThis.navigator?.userAgent ?? '') => /nhsapp-(?:android|ios)\/[0-9][0-9A-Za-z.-]*$/i.test(String(userAgent).trim());
