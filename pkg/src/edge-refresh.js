// Refresh races. NHS login rotates refresh tokens (EIS: the refresh grant takes
// "the latest valid refresh token"), so two tabs refreshing at once present
// the same token twice. A provider that detects refresh token reuse may then
// revoke the whole grant (RFC 9700 §4.14.2; oidc-provider does, and so the
// local provider): the winner's new token dies with the loser's request.
// So this isolate never presents a refresh token twice: a second request
// with a token already in flight waits for the first, and a token already
// presented is refused here (401 invalid_grant), without asking NHS login.
// By then the browser holds the winner's cookie, so the loser's retry works.
// (Across isolates this cannot be seen; NhsLogin serialises refreshes across
// tabs with the Web Locks API for that.)
import { encode as toBase64url } from './base64url.js';
import { HttpError } from './edge-http.js';

const SPENT_SECONDS = 600; // how long a presented refresh token is remembered
const MAX_SPENT = 10000; // entries, per isolate

const digest = async (text) => toBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));

/** The 401 a request presenting an already presented refresh token gets. */
export const spentRefreshToken = () =>
  new HttpError(401, 'invalid_grant', 'this session was refreshed by a concurrent request: retry with the newest session cookie');

/**
 * A guard that presents each refresh token at most once per isolate.
 * `run(refreshToken, present)` calls `present()` unless the token is in
 * flight (waits, then 401) or was presented (401). The token counts as
 * presented once NHS login answered (success or an OAuth error); a
 * network failure leaves it usable, as NHS login may not have seen it.
 * Only SHA-256 digests of tokens are kept.
 * @param {{ now?: () => number }} [o] seconds clock (tests)
 */
export function createRefreshGuard({ now = () => Date.now() / 1000 } = {}) {
  const inFlight = new Map(); // digest → promise
  const spent = new Map(); // digest → forget after (seconds)
  const prune = () => {
    const t = now();
    // Insertion order is expiry order (one lifetime for all): stop at the first live entry.
    for (const [k, until] of spent) {
      if (until > t && spent.size <= MAX_SPENT) break;
      spent.delete(k);
    }
  };
  return {
    async run(refreshToken, present) {
      const key = await digest(refreshToken);
      const running = inFlight.get(key);
      if (running) {
        await running.catch(() => {});
        throw spentRefreshToken();
      }
      if ((spent.get(key) ?? 0) > now()) throw spentRefreshToken();
      const p = present();
      inFlight.set(key, p);
      try {
        const r = await p;
        spent.set(key, now() + SPENT_SECONDS);
        return r;
      } catch (e) {
        if (e instanceof HttpError && e.status < 500) spent.set(key, now() + SPENT_SECONDS);
        throw e;
      } finally {
        inFlight.delete(key);
        prune();
      }
    },
  };
}
