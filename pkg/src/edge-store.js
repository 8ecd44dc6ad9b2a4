// Sessions that can be ended. Without a store the sealed cookie is the whole
// session: it works across isolates, but nothing can end a copy of it before
// its idle or absolute expiry. With a `sessionStore`, the cookie carries only
// a random session id (still sealed) and the session (refresh token, sub, ID
// token jti and iat, timestamps) lives in the store: /sign-out deletes it, and
// every copy of the cookie stops working.
//
// The interface (any async key-value store with expiry fits: Workers KV,
// Durable Objects, Redis, a database):
//   get(id) → Promise<object | null>
//   put(id, value, { ttlSeconds }) → Promise<void>
//   delete(id) → Promise<void>
import { encode as toBase64url } from './base64url.js';
import { HttpError } from './edge-http.js';
import { sessionExpiry } from './edge-cookie.js';

const unavailable = () => new HttpError(503, 'temporarily_unavailable', 'the session store could not be reached: try again');

/**
 * A store in this process's memory: for a single Node server and for tests.
 * Not shared between processes, isolates or locations.
 * @returns {{ get(id: string): Promise<object | null>, put(id: string, value: object, o: { ttlSeconds: number }): Promise<void>, delete(id: string): Promise<void> }}
 */
export function memorySessionStore() {
  const entries = new Map(); // id → { json, until (ms) }
  return {
    async get(id) {
      const e = entries.get(id);
      if (!e) return null;
      if (e.until <= Date.now()) {
        entries.delete(id);
        return null;
      }
      return JSON.parse(e.json);
    },
    async put(id, value, { ttlSeconds }) {
      entries.set(id, { json: JSON.stringify(value), until: Date.now() + ttlSeconds * 1000 });
      if (entries.size % 1024 === 0) for (const [k, e] of entries) if (e.until <= Date.now()) entries.delete(k);
    },
    async delete(id) {
      entries.delete(id);
    },
  };
}

/**
 * A store on Cloudflare Workers KV (`kvSessionStore(env.SESSIONS)`).
 * KV is eventually consistent (developers.cloudflare.com/kv/concepts/how-kv-works/):
 * a write or delete is visible at once where it was made, but other locations
 * may read the old value for up to 60 seconds. So a sign-out ends the session
 * at once at the patient's location and everywhere else within about a
 * minute; and a refresh at another location within that minute may present
 * an already rotated refresh token (401 invalid_grant, the cookie kept). KV's
 * shortest expiry is 60 s.
 * @param {{ get(key: string, type: 'json'): Promise<any>, put(key: string, value: string, o?: { expirationTtl?: number }): Promise<void>, delete(key: string): Promise<void> }} namespace
 * @param {{ prefix?: string }} [o]
 */
export function kvSessionStore(namespace, { prefix = 'nhs-login-session:' } = {}) {
  if (!namespace || typeof namespace.get !== 'function' || typeof namespace.put !== 'function' || typeof namespace.delete !== 'function') {
    throw new TypeError('kvSessionStore: pass a Workers KV namespace binding, e.g. env.SESSIONS');
  }
  return {
    get: (id) => namespace.get(prefix + id, 'json'),
    put: (id, value, { ttlSeconds }) => namespace.put(prefix + id, JSON.stringify(value), { expirationTtl: Math.max(60, Math.ceil(ttlSeconds)) }),
    delete: (id) => namespace.delete(prefix + id),
  };
}

/**
 * The sessions of a configuration, over the sealed cookie and, when given, a
 * store. `open(cookieHeader)` → the session (401 login_required; 503 when the
 * store fails: the session is neither lost nor extended); `seal(session)` →
 * the Set-Cookie header, after the store has the session with lastUsedAt now;
 * `times()` → a new session's timestamps; `end(cookieHeader)` deletes it.
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'idleSeconds' | 'sessionSeconds' | 'sessionStore' | 'log'>} config
 * @param {ReturnType<typeof import('./edge-cookie.js').createSessionCookie>} cookie
 */
export function createSessions({ idleSeconds, sessionSeconds, sessionStore: store, log }, cookie) {
  if (!store) return { times: cookie.times, open: cookie.open, seal: cookie.seal, end: async () => {} };
  const call = async (what, fn) => {
    try {
      return await fn();
    } catch {
      log({ event: 'session_store_failed', what });
      throw unavailable();
    }
  };
  return {
    times: cookie.times,
    async open(cookieHeader) {
      const c = await cookie.open(cookieHeader);
      if (typeof c.sid !== 'string') throw new HttpError(401, 'login_required', 'no NHS login session: sign in again');
      const s = await call('get', () => store.get(c.sid));
      if (!s || typeof s !== 'object') throw new HttpError(401, 'login_required', 'the NHS login session has ended: sign in again');
      const expired = sessionExpiry(s, { idleSeconds, sessionSeconds }, Date.now() / 1000);
      if (expired) throw new HttpError(401, 'login_required', `the NHS login session ${expired === 'idle' ? `was idle for more than ${idleSeconds} s` : `is older than ${sessionSeconds} s`}: sign in again`);
      return { ...s, sid: c.sid };
    },
    async seal({ sid, ...session }) {
      const id = sid ?? toBase64url(crypto.getRandomValues(new Uint8Array(32)));
      const now = Math.floor(Date.now() / 1000);
      const value = { ...session, lastUsedAt: now };
      const ttlSeconds = Math.max(1, Math.min(idleSeconds, value.exp - now));
      await call('put', () => store.put(id, value, { ttlSeconds }));
      return cookie.seal({ sid: id, createdAt: value.createdAt, exp: value.exp });
    },
    async end(cookieHeader) {
      let c;
      try {
        c = await cookie.open(cookieHeader);
      } catch {
        return; // no session, or one that has already expired
      }
      if (typeof c.sid === 'string') await call('delete', () => store.delete(c.sid));
    },
  };
}
