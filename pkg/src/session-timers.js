// NHS login session rules for a relying party (NHS login developer docs,
// "session management"; EIS §2.2): NHS login has no logout and no session
// management, so the service itself must send the user through NHS login
// again after 30 minutes without activity and after 12 hours of use.
//
// Self-contained: the clock, the scheduler and the event target can be
// passed in (tests use fakes).
// (It imports only NhsLoginError, so that a bad option is the same typed
// `invalid_option` as everywhere else in the package.)
// Time is always read through `now()`, and deadlines are recomputed from
// timestamps on every tick: a throttled background tab or a sleeping laptop
// cannot stretch a session past its limits.
import { NhsLoginError } from './core.js';

/** 30 minutes without activity (NHS login session-management guidance). */
export const IDLE_SECONDS = 30 * 60;
/** 12 hours after sign-in, whatever the activity (NHS login session-management guidance). */
export const MAX_SECONDS = 12 * 60 * 60;
/** DOM events that count as the user being active. */
export const ACTIVITY_EVENTS = Object.freeze(['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll']);

/**
 * Pure: the time left on both timers at `now` (milliseconds since the epoch).
 * @param {{ startedAt: number, lastActivityAt: number, idleSeconds: number, maxSeconds: number }} s
 * @param {number} now
 * @returns {{ idleMs: number, maxMs: number, expired: null | 'idle' | 'max' }}
 *   `expired` names the rule that ran out first (`max` wins a tie: it cannot be extended).
 */
export function timeLeft(s, now) {
  const idleMs = Math.max(0, s.lastActivityAt + s.idleSeconds * 1000 - now);
  const maxMs = Math.max(0, s.startedAt + s.maxSeconds * 1000 - now);
  const expired = maxMs === 0 ? 'max' : idleMs === 0 ? 'idle' : null;
  return { idleMs, maxMs, expired };
}

/**
 * Formats a duration for a countdown: `29:59` under an hour, `11:59:59` from an hour up.
 * Rounds up, so a countdown shows 0:00 only when the time has really run out.
 * @param {number} ms
 */
export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * Starts both timers.
 *
 * @param {object} options
 * @param {number} [options.startedAt] when the user signed in with NHS login (ms since the epoch); default now.
 *   Pass the ID token's `iat` × 1000 (always present; `auth_time` is not always sent) to count from the
 *   NHS login sign-in itself. Anything but a finite number (NaN from `claims.auth_time * 1000` when the
 *   claim is missing, a string, null) is an `invalid_option` NhsLoginError: a session whose start is
 *   unknown must not silently count from now.
 * @param {number} [options.idleSeconds] default IDLE_SECONDS (30 min)
 * @param {number} [options.maxSeconds] default MAX_SECONDS (12 h)
 * @param {(reason: 'idle' | 'max') => void} options.onExpire called once, when either rule runs out
 * @param {(left: { idleMs: number, maxMs: number, expired: null }) => void} [options.onTick] called every tick while the session lasts
 * @param {number} [options.tickMs] default 1000
 * @param {() => number} [options.now] default Date.now
 * @param {EventTarget} [options.activityTarget] where activity events are heard; default `document` when there is one
 * @param {readonly string[]} [options.activityEvents] default ACTIVITY_EVENTS
 * @param {{ setInterval: Function, clearInterval: Function }} [options.scheduler] default globalThis
 * @param {{ signOut(options?: { expired?: 'idle' | 'max' }): Promise<boolean> }} [options.login] an NhsLogin: on expiry
 *   its signOut() ends the edge session ({edgeUrl}/sign-out) and its next signIn() sends prompt=login
 * @param {string} [options.edgeUrl] without `login`: on expiry, POST {edgeUrl}/sign-out (with the cookie)
 * @param {typeof fetch} [options.fetch] for `edgeUrl`; default the global fetch
 * @returns {{ touch(): void, stop(): void, check(): ReturnType<typeof timeLeft>, readonly expired: null | 'idle' | 'max' }}
 */
export function startSessionTimers(options) {
  const {
    idleSeconds = IDLE_SECONDS,
    maxSeconds = MAX_SECONDS,
    onExpire,
    onTick = () => {},
    tickMs = 1000,
    now = () => Date.now(),
    activityTarget = globalThis.document,
    activityEvents = ACTIVITY_EVENTS,
    scheduler = globalThis,
    login,
    edgeUrl,
  } = options;
  if (options.startedAt !== undefined && !Number.isFinite(options.startedAt)) {
    const seen = typeof options.startedAt === 'number' ? String(options.startedAt) : options.startedAt === null ? 'null' : `a ${typeof options.startedAt}`;
    throw new NhsLoginError('invalid_option', `option \`startedAt\` must be a finite number of milliseconds since the epoch (e.g. claims.iat * 1000), not ${seen}`, { field: 'startedAt' });
  }
  if (typeof onExpire !== 'function') throw new NhsLoginError('invalid_option', 'option `onExpire` is required: a function called once when either rule runs out', { field: 'onExpire' });
  for (const [field, value] of [['idleSeconds', idleSeconds], ['maxSeconds', maxSeconds], ['tickMs', tickMs]]) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new NhsLoginError('invalid_option', `option \`${field}\` must be a positive number`, { field });
  }
  if (typeof now !== 'function' || typeof onTick !== 'function') throw new NhsLoginError('invalid_option', 'options `now` and `onTick` must be functions', { field: typeof now !== 'function' ? 'now' : 'onTick' });

  // The edge holds the refresh token: the session ends there too, not only in this page.
  // (NHS login has no logout, EIS §2.2; the edge also refuses an idle session itself.)
  const endEdgeSession = (reason) => {
    try {
      if (login) return void login.signOut({ expired: reason }).catch(() => {});
      if (typeof edgeUrl === 'string') {
        const doFetch = options.fetch ?? globalThis.fetch;
        const url = new URL(`${edgeUrl.replace(/\/$/, '')}/sign-out`, globalThis.location?.href).href;
        Promise.resolve(doFetch(url, { method: 'POST', credentials: 'include' })).catch(() => {});
      }
    } catch {}
  };

  const t0 = now();
  // A sign-in time in the future (clock skew) must not lengthen the session.
  const state = { startedAt: Math.min(options.startedAt ?? t0, t0), lastActivityAt: t0, idleSeconds, maxSeconds };
  let expired = null;
  let interval = null;

  const check = () => {
    if (expired) return { idleMs: 0, maxMs: 0, expired };
    const left = timeLeft(state, now());
    if (left.expired) {
      expired = left.expired;
      stop();
      endEdgeSession(expired);
      onExpire(expired);
    } else {
      onTick(left);
    }
    return left;
  };
  // Activity only counts while the session is still alive: an event after
  // expiry must not bring it back.
  const touch = () => {
    if (expired) return;
    if (timeLeft(state, now()).expired) return void check();
    state.lastActivityAt = now();
  };
  const onVisible = () => {
    if (!activityTarget?.hidden) check();
  };
  function stop() {
    if (interval !== null) scheduler.clearInterval(interval);
    interval = null;
    if (activityTarget) {
      for (const e of activityEvents) activityTarget.removeEventListener(e, touch, true);
      activityTarget.removeEventListener('visibilitychange', onVisible);
    }
  }

  if (activityTarget) {
    for (const e of activityEvents) activityTarget.addEventListener(e, touch, { capture: true, passive: true });
    // Background tabs tick slowly; check at once when the tab comes back.
    activityTarget.addEventListener('visibilitychange', onVisible);
  }
  interval = scheduler.setInterval(check, tickMs);
  check();

  return {
    touch,
    stop,
    check,
    get expired() {
      return expired;
    },
  };
}
