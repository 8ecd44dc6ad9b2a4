// Protection of POST /token: each call signs a client assertion with the
// service's private key and calls NHS login under the service's identity, and
// anyone can send an allowed Origin header. So calls are limited per client
// key, before any body is read, any key used or NHS login called: 429
// `slow_down` with Retry-After (RFC 9110 §10.2.3; RFC 6585 §4).
//
// `rateLimit` takes the interface of Cloudflare's Workers Rate Limiting
// binding (`limit({ key }) → Promise<{ success }>`,
// developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/);
// without one, a token bucket per isolate.
import { HttpError } from './edge-http.js';

/** The built-in limit: 10 calls to /token per minute per client key (per isolate). */
export const DEFAULT_TOKEN_LIMIT = Object.freeze({ requests: 10, periodSeconds: 60 });
const MAX_KEYS = 10000; // buckets kept per isolate

/**
 * The default client key: Cloudflare's `CF-Connecting-IP`, else the first
 * `X-Forwarded-For` entry (set by the proxy in front: make sure it overwrites
 * what clients send, or pass your own `clientKey`), else one key shared by all.
 * @param {Request} request
 * @returns {string}
 */
export function defaultClientKey(request) {
  const cf = request.headers.get('cf-connecting-ip');
  if (cf) return cf.trim().slice(0, 64);
  const xff = request.headers.get('x-forwarded-for')?.split(',')[0].trim();
  if (xff) return xff.slice(0, 64);
  return 'shared';
}

/**
 * A token bucket per key: `requests` per `periodSeconds`, bursts up to `requests`.
 * `take(key)` answers 0 when a call may go ahead, else the seconds to wait.
 * @param {{ requests: number, periodSeconds: number }} limit
 * @param {() => number} [now] milliseconds
 */
export function createTokenBucket({ requests, periodSeconds }, now = () => Date.now()) {
  const perMs = requests / (periodSeconds * 1000);
  const buckets = new Map(); // key → { tokens, at }
  return {
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: requests, at: t };
      b.tokens = Math.min(requests, b.tokens + (t - b.at) * perMs);
      b.at = t;
      buckets.delete(key); // re-inserted last: the Map is in least-recently-used order
      buckets.set(key, b);
      if (buckets.size > MAX_KEYS) buckets.delete(buckets.keys().next().value);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
  };
}

/**
 * The limiter of a configuration: `check(request)` resolves when the call may
 * go ahead, rejects with 429 slow_down (Retry-After) otherwise. A binding
 * that fails lets the call through (logged): an outage of the limiter must
 * not stop sign-ins.
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'rateLimit' | 'clientKey' | 'log'>} config
 */
export function createRateLimiter({ rateLimit, clientKey, log }) {
  if (rateLimit === false) return { check: async () => {} };
  const slowDown = (seconds) =>
    new HttpError(429, 'slow_down', 'too many sign-in attempts from this client: try again later', { 'retry-after': String(seconds) });
  if (typeof rateLimit?.limit === 'function') {
    return {
      async check(request) {
        let ok;
        try {
          ok = (await rateLimit.limit({ key: clientKey(request) }))?.success !== false;
        } catch {
          log({ event: 'rate_limit_failed' });
          ok = true;
        }
        if (!ok) {
          log({ event: 'rate_limited', route: 'token' });
          throw slowDown(60); // the binding does not say when; its periods are 10 or 60 s
        }
      },
    };
  }
  const bucket = createTokenBucket(rateLimit ?? DEFAULT_TOKEN_LIMIT);
  return {
    async check(request) {
      const wait = bucket.take(clientKey(request));
      if (wait) {
        log({ event: 'rate_limited', route: 'token' });
        throw slowDown(wait);
      }
    },
  };
}
