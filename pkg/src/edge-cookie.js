// The encrypted session cookie: the refresh token, sub and the ID token's jti,
// sealed with AES-GCM (key: the `cookieSecret` option; additional data: the
// client id, so a cookie of another client does not open) and kept HttpOnly.
import { encode as toBase64url, decode as fromBase64url } from './base64url.js';
import { HttpError } from './edge-http.js';

const COOKIE = '__Host-nhs-login'; // __Host-: Secure, Path=/, no Domain (RFC 6265bis 4.1.3.2)
const MAX_COOKIE = 8192; // characters of the sealed value
const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The Set-Cookie header of the session cookie.
 * @param {string} value the sealed session ('' to clear)
 * @param {number} maxAgeSeconds its lifetime (0 to clear)
 * @returns {string}
 */
export const sessionCookieHeader = (value, maxAgeSeconds) => `${COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;

/** The Set-Cookie header that ends the session. */
export const clearCookie = sessionCookieHeader('', 0);

/**
 * The sealed session in a Cookie request header: the first well-formed
 * session cookie, or undefined (none, malformed, or over 8192 characters).
 * @param {string | null} cookieHeader
 * @returns {string | undefined}
 */
export function sessionCookieValue(cookieHeader) {
  const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]+)`).exec(cookieHeader || '');
  return m && m[1].length <= MAX_COOKIE ? m[1] : undefined;
}

/**
 * Seals a session: base64url of a fresh 12-byte IV followed by the AES-GCM
 * ciphertext of its JSON.
 * @param {CryptoKey} key AES-GCM
 * @param {Uint8Array} aad additional authenticated data
 * @param {object} session
 * @returns {Promise<string>}
 */
export async function sealSession(key, aad, session) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, enc.encode(JSON.stringify(session))));
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return toBase64url(out);
}

/**
 * Opens a sealed session; rejects when it is not base64url, does not
 * authenticate (tampered, other key or client), or has expired (`exp` in
 * seconds, not after `nowSeconds`).
 * @param {CryptoKey} key AES-GCM
 * @param {Uint8Array} aad
 * @param {string} sealed
 * @param {number} nowSeconds
 * @returns {Promise<Record<string, any>>}
 */
export async function openSession(key, aad, sealed, nowSeconds) {
  const raw = fromBase64url(sealed);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: raw.subarray(0, 12), additionalData: aad }, key, raw.subarray(12));
  const s = JSON.parse(dec.decode(plain));
  if (!(s.exp > nowSeconds)) throw new Error('expired');
  return s;
}

/**
 * Why a session's lifetime has run out at `nowSeconds`, or undefined while it
 * lasts: `idle` (no use for `idleSeconds`) or `max` (older than
 * `sessionSeconds`, or past its `exp`). NHS login session management: a
 * service re-authenticates after 30 minutes idle and after 12 hours.
 * @param {{ createdAt?: number, lastUsedAt?: number, exp?: number }} s
 * @param {{ idleSeconds: number, sessionSeconds: number }} limits
 * @param {number} nowSeconds
 * @returns {undefined | 'idle' | 'max'}
 */
export function sessionExpiry(s, { idleSeconds, sessionSeconds }, nowSeconds) {
  // A session without its timestamps (sealed by an older version) has no proof of its age.
  if (!(Number.isFinite(s.createdAt) && Number.isFinite(s.lastUsedAt))) return 'max';
  if (!(s.createdAt + sessionSeconds > nowSeconds) || !(s.exp > nowSeconds)) return 'max';
  if (!(s.lastUsedAt + idleSeconds > nowSeconds)) return 'idle';
  return undefined;
}

/**
 * The session cookie of a configuration: `seal(session)` marks the session
 * used now and answers a Set-Cookie header whose Max-Age is what is left of
 * its idle window (at most its absolute deadline); `open(cookieHeader)`
 * answers the session or throws 401 login_required (501 when no
 * `cookieSecret` is configured) — also when the session is idle or too old,
 * which is checked here, where the refresh token lives, not only by the
 * browser's timers.
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'clientId' | 'cookieSecret' | 'sessionSeconds' | 'idleSeconds'>} config
 */
export function createSessionCookie({ clientId, cookieSecret, sessionSeconds, idleSeconds = sessionSeconds }) {
  let cookieKey; // imported once, non-extractable
  const aesKey = () => (cookieKey ??= crypto.subtle.importKey('raw', cookieSecret, 'AES-GCM', false, ['encrypt', 'decrypt']));
  const aad = enc.encode(`nhs-login-client/session/v1/${clientId}`);
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  return {
    /** A new session's timestamps: created and last used now, `exp` at the absolute deadline. */
    times() {
      const now = nowSeconds();
      return { createdAt: now, lastUsedAt: now, exp: now + sessionSeconds };
    },
    async seal(session) {
      const now = nowSeconds();
      const s = { ...session, lastUsedAt: now };
      const maxAge = Math.max(0, Math.min(idleSeconds, s.exp - now));
      return sessionCookieHeader(await sealSession(await aesKey(), aad, s), maxAge);
    },
    async open(cookieHeader) {
      if (!cookieSecret) throw new HttpError(501, 'unsupported', 'this route needs the `cookieSecret` option');
      const none = (why = 'no NHS login session') => new HttpError(401, 'login_required', `${why}: sign in again`);
      const sealed = sessionCookieValue(cookieHeader);
      if (!sealed) throw none();
      let s;
      try {
        s = await openSession(await aesKey(), aad, sealed, Date.now() / 1000);
      } catch {
        throw none();
      }
      const expired = sessionExpiry(s, { idleSeconds, sessionSeconds }, Date.now() / 1000);
      if (expired === 'idle') throw none(`the NHS login session was idle for more than ${idleSeconds} s`);
      if (expired) throw none(`the NHS login session is older than ${sessionSeconds} s`);
      return s;
    },
  };
}
