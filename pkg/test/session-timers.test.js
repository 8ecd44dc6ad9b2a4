// Unit tests of the session timers (nhs-login-client's startSessionTimers): NHS login's session rules
// (30 minutes idle, 12 hours in all) with a fake clock and scheduler.
//
//   node --test pkg/test/session-timers.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeLeft, formatDuration, startSessionTimers, IDLE_SECONDS, MAX_SECONDS, NhsLoginError, ERROR_CODES } from 'nhs-login-client';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A fake clock, interval scheduler and event target. */
function fakes(start = 1_800_000_000_000) {
  let t = start;
  const intervals = new Map();
  let id = 0;
  const target = new EventTarget();
  target.hidden = false;
  return {
    now: () => t,
    scheduler: {
      setInterval: (fn) => (intervals.set(++id, fn), id),
      clearInterval: (i) => intervals.delete(i),
    },
    target,
    /** Moves time on without any tick. */
    jump(ms) {
      t += ms;
    },
    /** Moves time on and runs one tick, as a (possibly throttled) interval would. */
    advance(ms) {
      t += ms;
      for (const fn of [...intervals.values()]) fn();
    },
    get running() {
      return intervals.size;
    },
  };
}

test('the NHS login limits are 30 minutes and 12 hours', () => {
  assert.equal(IDLE_SECONDS, 1800);
  assert.equal(MAX_SECONDS, 43200);
});

test('timeLeft: both timers; the 12-hour rule wins a tie', () => {
  const s = { startedAt: 0, lastActivityAt: 0, idleSeconds: 1800, maxSeconds: 43200 };
  assert.deepEqual(timeLeft(s, 0), { idleMs: 30 * MIN, maxMs: 12 * HOUR, expired: null });
  assert.deepEqual(timeLeft(s, 30 * MIN), { idleMs: 0, maxMs: 11.5 * HOUR, expired: 'idle' });
  assert.equal(timeLeft({ ...s, lastActivityAt: 12 * HOUR - 1 }, 12 * HOUR).expired, 'max');
  assert.equal(timeLeft(s, 13 * HOUR).expired, 'max');
});

test('formatDuration: m:ss under an hour, h:mm:ss above, rounded up', () => {
  assert.equal(formatDuration(30 * MIN), '30:00');
  assert.equal(formatDuration(30 * MIN - 1), '30:00');
  assert.equal(formatDuration(29 * MIN + 59_000), '29:59');
  assert.equal(formatDuration(12 * HOUR), '12:00:00');
  assert.equal(formatDuration(HOUR + 61_000), '1:01:01');
  assert.equal(formatDuration(999), '0:01');
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(-5), '0:00');
});

test('idle: expires 30 minutes after the last activity, once', () => {
  const f = fakes();
  const expired = [];
  const ticks = [];
  const timers = startSessionTimers({ now: f.now, scheduler: f.scheduler, activityTarget: f.target, onExpire: (r) => expired.push(r), onTick: (l) => ticks.push(l) });
  assert.equal(ticks.at(-1).idleMs, 30 * MIN, 'a first tick at once, for the display');
  f.advance(29 * MIN);
  f.target.dispatchEvent(new Event('keydown'));
  f.advance(29 * MIN);
  assert.deepEqual(expired, [], 'activity restarted the idle timer');
  assert.equal(ticks.at(-1).idleMs, MIN);
  f.advance(MIN);
  assert.deepEqual(expired, ['idle']);
  assert.equal(timers.expired, 'idle');
  assert.equal(f.running, 0, 'the interval is cleared');
  f.target.dispatchEvent(new Event('pointerdown'));
  f.advance(HOUR);
  assert.deepEqual(expired, ['idle'], 'activity after expiry brings nothing back');
});

test('12 hours: expires whatever the activity, counted from the NHS login sign-in', () => {
  const f = fakes();
  const expired = [];
  // Signed in at NHS login one hour before the session started here.
  startSessionTimers({ startedAt: f.now() - HOUR, now: f.now, scheduler: f.scheduler, activityTarget: f.target, onExpire: (r) => expired.push(r) });
  for (let i = 0; i < 22; i++) {
    f.advance(29 * MIN);
    f.target.dispatchEvent(new Event('scroll'));
  }
  assert.deepEqual(expired, [], '10 h 38 min of activity');
  f.advance(22 * MIN + 1);
  assert.deepEqual(expired, ['max']);
});

test('a late tick (sleeping laptop, background tab) still ends the session', () => {
  const f = fakes();
  const expired = [];
  startSessionTimers({ now: f.now, scheduler: f.scheduler, activityTarget: f.target, onExpire: (r) => expired.push(r) });
  f.advance(13 * HOUR);
  assert.deepEqual(expired, ['max']);
});

test('activity arriving after the deadline, before the next tick, ends the session instead of extending it', () => {
  const f = fakes();
  const expired = [];
  startSessionTimers({ now: f.now, scheduler: f.scheduler, activityTarget: f.target, onExpire: (r) => expired.push(r) });
  f.jump(31 * MIN); // the tab was frozen: no tick ran
  f.target.dispatchEvent(new Event('keydown'));
  assert.deepEqual(expired, ['idle']);
});

test('coming back to a hidden tab checks at once', () => {
  const f = fakes();
  const expired = [];
  startSessionTimers({ now: f.now, scheduler: f.scheduler, activityTarget: f.target, onExpire: (r) => expired.push(r) });
  f.jump(31 * MIN);
  f.target.dispatchEvent(new Event('visibilitychange'));
  assert.deepEqual(expired, ['idle']);
});

test('a sign-in time in the future (clock skew) does not lengthen the session', () => {
  const f = fakes();
  const ticks = [];
  startSessionTimers({ startedAt: f.now() + HOUR, now: f.now, scheduler: f.scheduler, activityTarget: null, onExpire() {}, onTick: (l) => ticks.push(l) });
  assert.equal(ticks[0].maxMs, 12 * HOUR);
});

test('stop() removes the interval and the listeners', () => {
  const f = fakes();
  const timers = startSessionTimers({ now: f.now, scheduler: f.scheduler, activityTarget: f.target, onExpire: () => assert.fail('stopped') });
  timers.stop();
  assert.equal(f.running, 0);
  f.advance(13 * HOUR);
});

test('options are checked', () => {
  assert.throws(() => startSessionTimers({}), /onExpire/);
  // Every bad option is the same typed error as the rest of the package, naming the option.
  const bad = (options, field) => assert.throws(() => startSessionTimers(options), (e) => e.name === 'NhsLoginError' && e.code === 'invalid_option' && e.field === field, field);
  bad({ onExpire() {}, idleSeconds: 0 }, 'idleSeconds');
  bad({ onExpire() {}, maxSeconds: -1 }, 'maxSeconds');
  bad({ onExpire() {}, maxSeconds: '43200' }, 'maxSeconds');
  bad({ onExpire() {}, idleSeconds: Infinity }, 'idleSeconds');
  bad({ onExpire() {}, tickMs: 0 }, 'tickMs');
  bad({}, 'onExpire');
  bad({ onExpire: 'x' }, 'onExpire');
  bad({ onExpire() {}, now: 5 }, 'now');
});

// Issue 11 (1): the expiry ends the edge session too, and the next sign-in re-authenticates.
test('on expiry: {edgeUrl}/sign-out is called, and the next NhsLogin.signIn sends prompt=login', async () => {
  const { NhsLogin } = await import('nhs-login-client');
  const { MemoryStorage } = await import('./helpers.js');
  const calls = [];
  const fetch = async (url, init) => (calls.push(`${init.method} ${url} ${init.credentials}`), new Response(null, { status: 204 }));
  const login = new NhsLogin({ environment: 'sandpit', clientId: 'c', redirectUri: 'https://spa.example/cb', storage: new MemoryStorage(), edgeUrl: 'https://spa.example/auth', fetch });
  const before = new URL(await login.signIn({ redirect: false }));
  assert.equal(before.searchParams.get('prompt'), null);

  const f = fakes();
  const reasons = [];
  startSessionTimers({ login, onExpire: (r) => reasons.push(r), now: f.now, scheduler: f.scheduler, activityTarget: f.target });
  f.advance(IDLE_SECONDS * 1000);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(reasons, ['idle']);
  assert.deepEqual(calls, ['POST https://spa.example/auth/sign-out include']);

  const after = new URL(await login.signIn({ redirect: false }));
  assert.equal(after.searchParams.get('prompt'), 'login', 'NHS login re-authenticates after an expiry');
  const next = new URL(await login.signIn({ redirect: false }));
  assert.equal(next.searchParams.get('prompt'), null, 'once');

  // Without NhsLogin: edgeUrl (resolved against the page) and fetch.
  const g = fakes();
  startSessionTimers({ edgeUrl: 'https://spa.example/api/', fetch, onExpire: () => {}, now: g.now, scheduler: g.scheduler, activityTarget: g.target });
  g.advance(MAX_SECONDS * 1000);
  assert.equal(calls.at(-1), 'POST https://spa.example/api/sign-out include');
});

test('startedAt that is not a finite number is invalid_option (never a session counted from now)', () => {
  const f = fakes();
  const base = { onExpire() {}, now: f.now, scheduler: f.scheduler, activityTarget: f.target };
  const claims = { iat: 1_800_000_000, sub: 'u' }; // no auth_time: NHS login does not always send it
  for (const startedAt of [claims.auth_time * 1000, Infinity, -Infinity, '1800000000000', null, {}, 10n]) {
    assert.throws(
      () => startSessionTimers({ ...base, startedAt }),
      (e) => e instanceof NhsLoginError && e.code === 'invalid_option' && e.field === 'startedAt' && /startedAt.*finite number/.test(e.message),
      String(startedAt),
    );
  }
  assert.ok(ERROR_CODES.includes('invalid_option'));
  // The documented field: iat × 1000, always present. Left out: now.
  const timers = startSessionTimers({ ...base, startedAt: claims.iat * 1000 });
  assert.equal(timers.check().maxMs, MAX_SECONDS * 1000);
  timers.stop();
  const fromNow = startSessionTimers(base);
  assert.equal(fromNow.check().maxMs, MAX_SECONDS * 1000);
  fromNow.stop();
});
