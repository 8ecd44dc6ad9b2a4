// One refresh at a time across the tabs of an origin. NHS login rotates the
// refresh token (EIS: "the latest valid refresh token"), and all tabs share
// the edge's session cookie: two tabs refreshing at once present the same
// token twice. The Web Locks API (W3C Web Locks, `navigator.locks.request`)
// serialises them; where it is missing, a BroadcastChannel election does
// (HTML Living Standard §9.6, "Broadcasting to other browsing contexts").

const WAIT_FOR_OBJECTION_MS = 200; // a holder answers a claim within this (best effort: a busier tab may be slower)
const MAX_WAIT_MS = 15000; // a tab closed while holding never releases

/**
 * Runs `fn` while holding the exclusive lock `name` among this origin's tabs.
 * Without Web Locks or BroadcastChannel, runs it at once.
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} fn
 * @param {{ locks?: any, BroadcastChannel?: typeof BroadcastChannel }} [env] defaults: navigator.locks, globalThis.BroadcastChannel
 * @returns {Promise<T>}
 */
export function withTabLock(name, fn, env = {}) {
  const locks = 'locks' in env ? env.locks : globalThis.navigator?.locks;
  if (locks && typeof locks.request === 'function') return locks.request(name, { mode: 'exclusive' }, () => fn());
  const Channel = 'BroadcastChannel' in env ? env.BroadcastChannel : globalThis.BroadcastChannel;
  if (typeof Channel === 'function') return channelLock(name, Channel).run(fn);
  return fn();
}

const channelLocks = new Map();

/**
 * The election: a tab posts a claim and proceeds unless, within 200 ms, a tab
 * holding the lock (or claiming with an earlier (time, id)) objects, or it
 * hears a claim earlier than its own itself (so two tabs claiming together need
 * only each other's claim in time, not also the objection's round trip). Then
 * it waits for a release (at most 15 s) and claims again.
 */
function channelLock(name, Channel) {
  if (channelLocks.has(name)) return channelLocks.get(name);
  const ch = new Channel(`nhs-login-lock:${name}`);
  ch.unref?.(); // Node, Deno: an idle channel must not keep the process alive
  const id = crypto.randomUUID();
  let holding = false;
  let claim = null; // our claim while electing
  let queue = Promise.resolve(); // callers in this tab, one at a time
  const listeners = new Set();
  const beats = (a, b) => a.t < b.t || (a.t === b.t && a.id < b.id);
  ch.onmessage = ({ data: m }) => {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'claim' && m.id !== id && (holding || (claim && beats(claim, m)))) ch.postMessage({ type: 'held', to: m.id });
    // An earlier claim than ours: that tab goes first, whether or not its objection reaches us in time.
    if (m.type === 'claim' && m.id !== id && claim && !holding && beats(m, claim)) claim.yielded = true;
    for (const l of [...listeners]) l(m);
  };
  const waitFor = (pred, ms) =>
    new Promise((resolve) => {
      const l = (m) => {
        if (pred(m)) done(true);
      };
      const timer = setTimeout(() => done(false), ms);
      function done(v) {
        clearTimeout(timer);
        listeners.delete(l);
        resolve(v);
      }
      listeners.add(l);
    });
  async function acquire() {
    const deadline = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const mine = (claim = { type: 'claim', id, t: Date.now() });
      const objected = waitFor((m) => m.type === 'held' && m.to === id, WAIT_FOR_OBJECTION_MS);
      ch.postMessage({ type: 'claim', id, t: mine.t });
      if (!((await objected) || mine.yielded) || Date.now() > deadline) break;
      claim = null;
      await waitFor((m) => m.type === 'release', Math.max(0, deadline - Date.now()));
    }
    claim = null;
    holding = true;
  }
  const lock = {
    run(fn) {
      const result = queue.then(async () => {
        await acquire();
        try {
          return await fn();
        } finally {
          holding = false;
          ch.postMessage({ type: 'release', id });
        }
      });
      queue = result.catch(() => {});
      return result;
    },
  };
  channelLocks.set(name, lock);
  return lock;
}
